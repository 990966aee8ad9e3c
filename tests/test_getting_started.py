"""docs/getting-started.md, word for word: generate, the SQLite run and a local PostgreSQL.

Every command comes out of the page's marked blocks (`<!-- name -->` around a
fenced block, as README.md marks its own) and runs in a shell with no uv on
PATH, from a clone of this template at its working tree. Only what a user
substitutes is substituted: the passwords the page writes as `<owner password>`
and `<app password>`, and, so that runs never meet on a shared server, the
database name `billing_api` in the `createdb`/`psql` lines and the `.env` URLs.
The page's once-per-machine block (apt-get, the owner's password) is not run:
the server here already takes the owner's logins over TCP.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pexpect
import pytest
import yaml
from helpers import (
    COPIER,
    ROOT,
    answers_of,
    clone_with_history,
    fresh_shell_env,
    readme_block,
    run,
    serve_until_ready,
    shell,
)

PAGE = ROOT / "docs" / "getting-started.md"
DOC_DATABASE = "billing_api"  # the database the page creates: the package's name
APP_ROLE = "billing_api_app"
OWNER_PASSWORD = secrets.token_urlsafe(12)  # what the user types; trust auth here ignores it
APP_PASSWORD = secrets.token_urlsafe(12)
SERVER = "postgres@127.0.0.1:5432"  # where the page's commands connect


def block(marker: str, fence: str = "sh") -> list[str]:
    """One marked block of the page (a line ending in a backslash continues in bash too)."""
    return readme_block(marker, PAGE, fence)


def _admin(sql: str, **values: str) -> str:
    """Run SQL as the owner on the server the page's commands use; `values` become psql
    variables (:'name' a literal, :"name" an identifier), never part of the text."""
    variables = [f"--set={name}={value}" for name, value in values.items()]
    return subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atq",
            "--set=ON_ERROR_STOP=1",
            *variables,
        ],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def _with_database(lines: list[str], database: str) -> list[str]:
    """The page's database name swapped for this run's, in createdb/psql lines only."""
    return [
        re.sub(rf"\b{DOC_DATABASE}\b(?!_)", database, line)
        if line.startswith(("createdb ", "psql "))
        else line
        for line in lines
    ]


def _set_env_line(project: Path, line: str, database: str, password: tuple[str, str]) -> None:
    """Do what the page asks of `.env`: replace the variable's line with the page's line."""
    placeholder, value = password
    assert placeholder in line, line
    line = line.replace(placeholder, value)
    assert line.endswith(f"/{DOC_DATABASE}"), line
    line = line.removesuffix(DOC_DATABASE) + database
    name = line.partition("=")[0]
    dotenv = project / ".env"
    lines = dotenv.read_text().splitlines()
    assert sum(old.startswith(f"{name}=") for old in lines) == 1, f".env has no single {name}"
    dotenv.write_text(
        "\n".join(line if old.startswith(f"{name}=") else old for old in lines) + "\n"
    )


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this template (working tree committed) with the page's pinned uv in it."""
    path = tmp_path_factory.mktemp("getting-started") / "copier-secure-service"
    clone_with_history(path)
    shell("\n".join(block("clone-tools")), path, fresh_shell_env())
    return path


def test_clone_commands_are_the_readmes_generate_command() -> None:
    """The page's two clone lines together are README's generate command, letter for letter,
    and its SQLite first run is README's next steps with comments added."""
    (tools,) = block("clone-tools")
    (generate,) = block("generate-interactive")
    assert readme_block("generate-command") == [f"{tools} && {generate}"]
    uncommented = [line.partition("  #")[0].rstrip() for line in block("sqlite-first-run")]
    assert uncommented == readme_block("next-steps")


def test_generate_without_prompts_records_the_answers(clone: Path) -> None:
    """The `--defaults` command and the answers-file command, verbatim, render the projects
    the later sections use, with an absolute `_src_path` that `copier update` can follow."""
    env = fresh_shell_env()
    shell("\n".join(block("generate-defaults")), clone, env)
    answers_file = block("answers-file", "yaml")
    assert answers_file[0] == "# answers.yml"
    (clone / "answers.yml").write_text("\n".join(answers_file) + "\n")
    shell("\n".join(block("generate-from-answers")), clone, env)

    sqlite = answers_of(clone.parent / "my-service")
    postgresql = answers_of(clone.parent / "billing-api")
    assert (sqlite["package_name"], sqlite["database"]) == ("my_service", "sqlite")
    assert (postgresql["package_name"], postgresql["database"]) == ("billing_api", "postgresql")
    example = (clone.parent / "billing-api" / ".env.example").read_text()
    assert f"DATABASE_URL=postgresql://{APP_ROLE}:" in example
    assert sqlite["_src_path"] == postgresql["_src_path"] == str(clone)


@pytest.mark.slow  # installs uv, syncs, runs the project's tests: minutes
def test_sqlite_first_run_serves_a_ready_service(clone: Path) -> None:
    """The SQLite section's lines, verbatim from the clone: tests pass, migrate, /readyz 200."""
    if not (clone.parent / "my-service").exists():
        shell("\n".join(block("generate-defaults")), clone, fresh_shell_env())

    status = serve_until_ready(block("sqlite-first-run"), clone, fresh_shell_env())

    assert status == 200


@pytest.fixture
def database() -> Iterator[str]:
    """A database name of this run's own; the database and the app role are gone after it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: the local PostgreSQL walk needs a server")
    parts = urlsplit(url)
    if f"{parts.username}@{parts.hostname}:{parts.port}" != SERVER:
        pytest.skip(f"the page's commands talk to {SERVER}; TEST_DATABASE_URL points elsewhere")
    name = f"{DOC_DATABASE}_{uuid.uuid4().hex[:8]}"
    yield name
    _admin('DROP DATABASE IF EXISTS :"name" WITH (FORCE)', name=name)
    # The role is global: another run's database may still hold grants to it.
    with contextlib.suppress(subprocess.CalledProcessError):
        _admin('DROP ROLE IF EXISTS :"role"', role=APP_ROLE)


def _give_the_app_role_a_password(line: str, project: Path) -> None:
    """Run the page's `\\password` line in a terminal and type the password twice."""
    child = pexpect.spawn(
        "bash",
        ["-c", line],
        cwd=str(project),
        env=fresh_shell_env(),
        encoding="utf-8",
        timeout=60,
    )
    prompts = ["Password for user postgres:", "Enter new password", "Enter it again:"]
    asked = []
    while (index := child.expect([*prompts, pexpect.EOF])) < len(prompts):
        asked.append(index)
        child.sendline(OWNER_PASSWORD if index == 0 else APP_PASSWORD)
    child.close()
    assert child.exitstatus == 0, child.before
    assert asked[-2:] == [1, 2], asked


def _app_role_password_hash() -> str:
    return _admin(
        "SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = :'role'", role=APP_ROLE
    )


@pytest.mark.slow  # installs uv and syncs a project: minutes
def test_local_postgresql_walk_serves_as_the_app_role(clone: Path, database: str) -> None:
    """The PostgreSQL section, verbatim: createdb, the owner's URL in .env, migrate, the app
    role's password through `\\password`, its URL in .env, then /readyz answers 200."""
    project = clone.parent / "billing-api"
    if not project.exists():
        (clone / "answers.yml").write_text("\n".join(block("answers-file", "yaml")) + "\n")
        shell("\n".join(block("generate-from-answers")), clone, fresh_shell_env())
    env = fresh_shell_env()

    shell("\n".join(_with_database(block("postgresql-project"), database)), clone, env)
    (owner_line,) = block("postgresql-owner-env", "dotenv")
    _set_env_line(project, owner_line, database, ("<owner password>", OWNER_PASSWORD))
    shell("\n".join(block("postgresql-migrate")), project, env)
    before = _app_role_password_hash()
    (password_line,) = _with_database(block("postgresql-app-password"), database)
    _give_the_app_role_a_password(password_line, project)
    (app_line,) = block("postgresql-app-env", "dotenv")
    _set_env_line(project, app_line, database, ("<app password>", APP_PASSWORD))

    status = serve_until_ready(block("postgresql-serve"), project, env)

    assert _app_role_password_hash().startswith("SCRAM-SHA-256$")
    assert _app_role_password_hash() != before
    assert _admin("SELECT count(*) FROM pg_database WHERE datname = :'name'", name=database) == (
        "1"
    )
    assert status == 200


def test_the_page_names_no_database_but_the_packages() -> None:
    """The substitution above stays honest: the page's own blocks use `billing_api` as the
    database in exactly the lines the test changes, and nowhere as anything else."""
    for marker in ("postgresql-project", "postgresql-app-password"):
        lines = block(marker)
        assert any(line.startswith(("createdb ", "psql ")) for line in lines), marker
    dotenv = block("postgresql-owner-env", "dotenv") + block("postgresql-app-env", "dotenv")
    assert all(line.endswith(f"@127.0.0.1:5432/{DOC_DATABASE}") for line in dotenv)
    assert yaml.safe_load("\n".join(block("answers-file", "yaml")))["project_name"] == (
        "Billing API"
    )


def test_printed_steps_readme_and_env_example_give_the_pages_commands(tmp_path: Path) -> None:
    """For a PostgreSQL project, the steps `copier copy` prints, the README and .env.example
    spell `createdb` and `\\password` exactly as the page does: the walk above runs them."""
    project = tmp_path / "billing-api"
    printed = run(
        tmp_path,
        COPIER,
        "copy",
        "--vcs-ref=HEAD",
        "--defaults",
        "--data-file",
        str(_answers_file(tmp_path)),
        str(ROOT),
        str(project),
    ).stderr
    page = set(block("postgresql-project") + block("postgresql-app-password"))
    readme = (project / "README.md").read_text()
    run_it = readme.partition("## Run it\n\n```sh\n")[2].partition("```")[0]
    example = (project / ".env.example").read_text()
    for source, text, count in [
        ("printed", printed, 2),
        ("README.md", run_it, 2),
        (".env.example", example, 1),
    ]:
        commands = [
            command.partition("   #")[0].strip()
            for line in text.splitlines()
            if (command := line.strip().removeprefix("#").strip()).startswith(
                ("createdb -", "psql -")
            )
        ]
        assert len(commands) == count, (source, commands)
        assert set(commands) <= page, source


def _answers_file(folder: Path) -> Path:
    """The page's answers.yml, written into `folder`."""
    answers = folder / "answers.yml"
    answers.write_text("\n".join(block("answers-file", "yaml")) + "\n")
    return answers


def test_what_you_need_covers_what_the_steps_use() -> None:
    """The steps commit (git needs an identity) and the PostgreSQL ones need a server:
    the page's list of prerequisites says so, with the commands that set them up."""
    needs = PAGE.read_text().partition("## What you need\n")[2].partition("\n## ")[0]
    assert any("git commit" in line for line in block("sqlite-first-run"))
    assert "git config --global user.email" in needs
    assert any(line.startswith("createdb ") for line in block("postgresql-project"))
    assert "(#first-run-with-a-local-postgresql)" in needs
