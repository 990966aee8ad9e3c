"""A new user's walk, word for word: README.md's commands and the steps Copier prints.

Every command here is copied out of README.md (between its markers, as .ci/run
reads them) or out of what `copier copy` printed, and runs in a shell that has
no uv on PATH, from a clone of this template at its working tree. Only the
answers (`--defaults --data ...`) and the port are added.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import (
    ROOT,
    answers_of,
    clone_with_history,
    commit_all,
    conflicted_paths,
    fresh_shell_env,
    git,
    readme_block,
    replace_first_line,
    serve_until_ready,
    shell,
)

ANSWERS = "--defaults --data 'project_name=My Service' --data author_email=security@example.org"
PACKAGE = "my_service"


def _printed_steps(output: str, heading: str) -> list[str]:
    """The indented command lines Copier printed after the line holding `heading`."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    steps = []
    for line in lines[start + 1 :]:
        if line.startswith("  "):
            steps.append(line.strip())
        elif steps:
            break
    assert steps, output
    return steps


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a clone of this template (working tree committed), as a user has."""
    root = tmp_path_factory.mktemp("newcomer")
    clone_with_history(root / "copier-secure-service")
    return root


@pytest.fixture
def generated(workspace: Path) -> Iterator[tuple[Path, str]]:
    """README's generate command, verbatim plus the answers: (project, what Copier printed)."""
    (command,) = readme_block("generate-command")
    clone = workspace / "copier-secure-service"
    result = shell(f"{command} {ANSWERS}", clone, fresh_shell_env())
    project = workspace / "my-service"
    yield project, result.stderr
    shutil.rmtree(project)


def test_generated_project_records_an_absolute_template_path(
    workspace: Path, generated: tuple[Path, str]
) -> None:
    """`_src_path` is the clone's absolute path, so `copier update` finds the template."""
    project, _ = generated
    assert answers_of(project)["_src_path"] == str(workspace / "copier-secure-service")


@pytest.mark.slow  # installs uv, syncs, runs the project's tests: minutes
@pytest.mark.parametrize("source", ["readme", "printed"])
def test_next_steps_serve_a_ready_service(
    workspace: Path, generated: tuple[Path, str], source: str
) -> None:
    """README's "then, in the new project" lines, or the steps `copier copy` printed, verbatim
    in a fresh shell: the project's tests pass, migrate runs, /readyz answers 200."""
    steps = (
        readme_block("next-steps")
        if source == "readme"
        else _printed_steps(generated[1], "Next steps")
    )
    assert steps[0] == "cd ../my-service"
    assert steps[-1] == f".tools/bin/uv run --locked python -m {PACKAGE}"
    assert any(
        step.startswith(f".tools/bin/uv run --locked python -m {PACKAGE} migrate")
        for step in steps
    )

    status = serve_until_ready(steps, workspace / "copier-secure-service", fresh_shell_env())

    assert status == 200


@pytest.mark.slow  # installs uv, syncs, runs the project's tests: minutes
def test_readme_update_command_brings_a_release_and_keeps_the_users_edit(
    workspace: Path, generated: tuple[Path, str]
) -> None:
    """README's update command, verbatim, after a newer tagged release: both changes stay.

    The release is a commit on a side branch of the clone, tagged above every
    other tag, as a maintainer publishes one; the printed after-update steps
    then pass verbatim too (relock, sync, tests, migrate).
    """
    project, _ = generated
    clone = workspace / "copier-secure-service"
    env = fresh_shell_env()
    setup = [step for step in readme_block("next-steps") if not step.startswith(".tools/bin/uv")]
    shell("\n".join(setup), clone, env)
    replace_first_line(project / "README.md", "# My Service, as its team describes it")
    commit_all(project, "Our own README title")
    git(clone, "checkout", "-q", "-b", "next-release")
    readme_template = clone / "template" / "README.md.jinja"
    readme_template.write_text(readme_template.read_text() + "\nReleased in 99.0.0.\n")
    commit_all(clone, "Release 99.0.0")
    git(clone, "tag", "--annotate", "99.0.0", "--message", "99.0.0")
    git(clone, "checkout", "-q", "main")

    (command,) = readme_block("update-command")
    result = shell(command, project, env)

    readme = (project / "README.md").read_text()
    assert readme.startswith("# My Service, as its team describes it\n")
    assert readme.endswith("\nReleased in 99.0.0.\n")
    assert answers_of(project)["_commit"] == "99.0.0"
    assert conflicted_paths(project) == []
    after = _printed_steps(result.stderr, "Before you commit")
    assert after[1].startswith(".tools/bin/uv lock")
    shell("\n".join(after), project, env)


# Hosts whose pages the documents link to, each checked to exist; everything else
# must be a placeholder the reader replaces (YOUR-GIT-HOST) or a reserved example
# domain (RFC 2606). The template has no public repository URL of its own yet.
KNOWN_HOSTS = frozenset(
    {
        "127.0.0.1",
        "localhost",
        "cheatsheetseries.owasp.org",
        "copier.readthedocs.io",
        "dl.k8s.io",
        "docs.astral.sh",
        "peps.python.org",
    }
)


def test_no_link_a_newcomer_meets_is_invented() -> None:
    """README, CHANGELOG, the docs site and the rendered Markdown link to real pages or
    to visible placeholders: never to a repository URL that looks real but is not."""
    documents = [
        ROOT / "README.md",
        ROOT / "CHANGELOG.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted(path for path in (ROOT / "template").rglob("*.md*") if path.is_file()),
    ]
    hosts = {
        f"{path.relative_to(ROOT)}: {host}"
        for path in documents
        for host in re.findall(r"https?://([^/:\s)\"'`<>]+)", path.read_text())
    }
    assert any(line.endswith(": YOUR-GIT-HOST") for line in hosts)
    invented = {
        line
        for line in hosts
        if (host := line.rpartition(": ")[2]) not in KNOWN_HOSTS | {"YOUR-GIT-HOST"}
        and not re.search(r"(^|\.)example(\.(com|org|net))?$", host)
    }
    assert invented == set()
