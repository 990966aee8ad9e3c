"""`copier update` brings template releases in without losing the user's work.

Each test renders a project from release 0.1.0 of a throwaway copy of this
template, makes the edits a user makes, releases 0.2.0 with the kind of change
real releases bring, and updates exactly as `copier update --defaults` does:
no --trust, conflicts inline.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from combinations import CORE, PAIRWISE
from copier.errors import UserMessageError
from helpers import (
    COPIER,
    FIRST_RELEASE,
    PACKAGE,
    answers_of,
    append_line,
    clone_with_history,
    commit_all,
    conflicted_paths,
    edit,
    fresh_shell_env,
    git,
    locked_versions,
    make_template_repo,
    release,
    relock,
    render,
    replace_first_line,
    run,
    shell,
    update,
)

APP = f"src/{PACKAGE}/app.py"
TEMPLATE_APP = "template/src/{{ package_name }}/app.py"
SETTINGS = f"src/{PACKAGE}/settings.py"
TEMPLATE_SETTINGS = "template/src/{{ package_name }}/settings.py"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """This template as a git repo with one release, 0.1.0."""
    return make_template_repo(tmp_path / "template")


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A project rendered from 0.1.0 with the default answers and committed."""
    return render(tmp_path / "project", template=template, vcs_ref=FIRST_RELEASE).path


def _status(project: Path) -> list[str]:
    return git(project, "status", "--porcelain").splitlines()


def test_no_template_feature_needs_trust(template: Path) -> None:
    """The template declares no tasks, migrations or Jinja extensions: nothing to --trust."""
    config = yaml.safe_load((template / "copier.yml").read_text())
    unsafe_keys = {"_tasks", "_migrations", "_jinja_extensions", "_external_data"}
    assert unsafe_keys.isdisjoint(config)


def test_user_modules_and_tests_survive_update(template: Path, project: Path) -> None:
    """New modules and tests the user wrote are never touched, even when the template adds some."""
    module = project / "src" / PACKAGE / "orders.py"
    module.write_text('"""Orders: the user\'s own code."""\n\nORDER_LIMIT = 10\n')
    user_test = project / "tests" / "test_orders.py"
    user_test.write_text(f"from {PACKAGE}.orders import ORDER_LIMIT\n\nassert ORDER_LIMIT\n")
    commit_all(project, "Add orders")
    release(
        template,
        "0.2.0",
        write={
            "template/tests/test_template_extra.py.jinja": "def test_extra() -> None:\n    pass\n"
        },
    )

    update(project, vcs_ref="0.2.0")

    assert module.read_text() == '"""Orders: the user\'s own code."""\n\nORDER_LIMIT = 10\n'
    assert user_test.read_text().startswith(f"from {PACKAGE}.orders import ORDER_LIMIT")
    assert (project / "tests" / "test_template_extra.py").is_file()
    assert answers_of(project)["_commit"] == "0.2.0"
    assert conflicted_paths(project) == []


def test_the_readme_update_command_works_in_a_fresh_shell(template: Path, project: Path) -> None:
    """The rendered README's update line as typed, in a shell without uv, given uv the
    README's way (`.tools/bin/` in front of `uvx`): it brings the newest release."""
    readme = (project / "README.md").read_text()
    command = "uvx copier update --defaults"
    assert f"\n{command}\n" in readme
    no_uv = re.search(r"No uv on this machine\? `([^`]+)`", readme)
    assert no_uv is not None, "the README lost its no-uv step"
    release(
        template,
        "0.2.0",
        write={"template/docs/operations.md.jinja": "# Run {{ project_name }}\n"},
    )

    shell(f"{no_uv.group(1)}\n.tools/bin/{command}", project, fresh_shell_env())

    assert answers_of(project)["_commit"] == "0.2.0"
    assert (project / "docs" / "operations.md").read_text() == "# Run Acme Orders\n"
    assert conflicted_paths(project) == []


def test_template_new_file_arrives(template: Path, project: Path) -> None:
    """A file a release adds appears in the project, rendered with the project's answers."""
    release(
        template,
        "0.2.0",
        write={"template/docs/operations.md.jinja": "# Run {{ project_name }}\n"},
    )

    update(project, vcs_ref="0.2.0")

    assert (project / "docs" / "operations.md").read_text() == "# Run Acme Orders\n"


def test_user_edit_and_template_change_in_one_file_merge(template: Path, project: Path) -> None:
    """The user's edit atop a managed module and the template's change at its end both stay."""
    replace_first_line(project / APP, '"""Acme orders: the HTTP application."""')
    commit_all(project, "Describe the app")
    append_line(template / TEMPLATE_APP, "# Template 0.2.0 fix.")
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    text = (project / APP).read_text()
    assert text.startswith('"""Acme orders: the HTTP application."""\n')
    assert text.endswith("# Template 0.2.0 fix.\n")
    assert "<<<<<<<" not in text
    assert conflicted_paths(project) == []


def test_same_line_changed_on_both_sides_shows_conflict_markers(
    template: Path, project: Path
) -> None:
    """Both versions of a line both sides changed stay in the file between markers."""
    replace_first_line(project / SETTINGS, '"""Settings, as the Acme team wants them."""')
    commit_all(project, "Reword settings docstring")
    replace_first_line(
        template / TEMPLATE_SETTINGS, '"""Settings: validated at start-up (0.2.0)."""'
    )
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    text = (project / SETTINGS).read_text()
    assert text.startswith(
        "<<<<<<< before updating\n"
        '"""Settings, as the Acme team wants them."""\n'
        "=======\n"
        '"""Settings: validated at start-up (0.2.0)."""\n'
        ">>>>>>> after updating\n"
    )
    assert conflicted_paths(project) == [SETTINGS]


def test_check_merge_conflict_hook_rejects_leftover_markers(template: Path, project: Path) -> None:
    """The rendered hook's own command fails on a conflicted file and passes on a clean one."""
    replace_first_line(project / SETTINGS, '"""Settings, as the Acme team wants them."""')
    commit_all(project, "Reword settings docstring")
    replace_first_line(template / TEMPLATE_SETTINGS, '"""Settings (0.2.0)."""')
    release(template, "0.2.0")
    update(project, vcs_ref="0.2.0")
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    entry = next(
        hook["entry"]
        for repo in hooks["repos"]
        for hook in repo["hooks"]
        if hook["id"] == "check-merge-conflict"
    )

    conflicted = run(project, *shlex.split(entry), SETTINGS, check=False)
    clean = run(project, *shlex.split(entry), APP, check=False)

    assert conflicted.returncode == 1, conflicted.stdout + conflicted.stderr
    assert f"{SETTINGS}:1: Merge conflict string" in conflicted.stdout
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_file_deleted_by_user_stays_deleted(template: Path, project: Path) -> None:
    """A file the user removed is not brought back, even when the release changes it."""
    (project / ".editorconfig").unlink()
    commit_all(project, "We do not use editorconfig")
    append_line(template / "template" / ".editorconfig", "# 0.2.0: one more rule")
    release(template, "0.2.0", write={"template/docs/new.md": "new\n"})

    update(project, vcs_ref="0.2.0")

    assert not (project / ".editorconfig").exists()
    assert (project / "docs" / "new.md").is_file()
    assert _status(project) == [" M .copier-answers.yml", "?? docs/"]


def test_template_rename_moves_an_untouched_file(template: Path, project: Path) -> None:
    """A file the release renames moves in the project when the user never edited it."""
    before = (project / "SECURITY.md").read_text()
    release(
        template, "0.2.0", rename={"template/SECURITY.md.jinja": "template/docs/SECURITY.md.jinja"}
    )

    update(project, vcs_ref="0.2.0")

    assert not (project / "SECURITY.md").exists()
    assert (project / "docs" / "SECURITY.md").read_text() == before


def test_template_rename_of_an_edited_file_shows_as_a_deletion_to_review(
    template: Path, project: Path
) -> None:
    """Copier drops the old path of a renamed file; the user's edit stays in HEAD and in the diff.

    Copier removes every path the new release no longer renders, edited or not.
    The update is an uncommitted change, so the edit is not gone: `git status`
    shows the deletion and `git restore` brings the file back (docs/updating.md).
    """
    security = project / "SECURITY.md"
    security.write_text(security.read_text() + "\nAcme: page the on-call team first.\n")
    commit_all(project, "Acme security contact")
    release(
        template, "0.2.0", rename={"template/SECURITY.md.jinja": "template/docs/SECURITY.md.jinja"}
    )

    update(project, vcs_ref="0.2.0")

    assert " D SECURITY.md" in _status(project)
    assert "Acme: page the on-call team first." in git(project, "show", "HEAD:SECURITY.md")
    git(project, "restore", "--", "SECURITY.md")
    assert security.read_text().endswith("Acme: page the on-call team first.\n")
    assert (project / "docs" / "SECURITY.md").is_file()


def test_template_adds_a_file_the_user_already_has(template: Path, project: Path) -> None:
    """When a release adds a path the user already created, both versions stay, between markers."""
    mine = project / "src" / PACKAGE / "health.py"
    mine.write_text('"""Acme health checks."""\n')
    commit_all(project, "Own health module")
    release(
        template,
        "0.2.0",
        write={"template/src/{{ package_name }}/health.py": '"""Template health checks."""\n'},
    )

    update(project, vcs_ref="0.2.0")

    text = mine.read_text()
    assert '"""Acme health checks."""' in text
    assert '"""Template health checks."""' in text
    assert "<<<<<<< before updating" in text
    assert conflicted_paths(project) == [f"src/{PACKAGE}/health.py"]


def test_new_question_gets_its_default(template: Path, project: Path) -> None:
    """A question added by a release is answered with its default and used at once."""
    before = answers_of(project)
    with (template / "copier.yml").open("a") as config:
        config.write(
            "\nhttp_port:\n  type: int\n  help: Port the service listens on\n  default: 8000\n"
        )
    append_line(template / "template" / "README.md.jinja", "Listens on port {{ http_port }}.")
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    after = answers_of(project)
    assert after["http_port"] == 8000
    assert {k: v for k, v in after.items() if k not in {"_commit", "http_port"}} == {
        k: v for k, v in before.items() if k != "_commit"
    }
    assert (project / "README.md").read_text().endswith("Listens on port 8000.\n")


def test_user_env_file_is_never_written(template: Path, project: Path) -> None:
    """The user's .env (git-ignored, holding secrets) survives, even a release that ships one."""
    env_file = project / ".env"
    env_file.write_text("DATABASE_URL=sqlite:///data/real.sqlite3\nAPI_TOKEN=user-owned-value\n")
    release(template, "0.2.0", write={"template/.env": "DATABASE_URL=from-the-template\n"})

    update(project, vcs_ref="0.2.0")

    assert env_file.read_text() == (
        "DATABASE_URL=sqlite:///data/real.sqlite3\nAPI_TOKEN=user-owned-value\n"
    )
    assert git(project, "check-ignore", ".env").strip() == ".env"


def test_update_refuses_uncommitted_work(template: Path, project: Path) -> None:
    """With uncommitted changes the update stops before touching anything."""
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nWork in progress.\n")
    release(template, "0.2.0", write={"template/docs/new.md": "new\n"})

    with pytest.raises(UserMessageError, match="dirty"):
        update(project, vcs_ref="0.2.0")

    assert readme.read_text().endswith("Work in progress.\n")
    assert not (project / "docs").exists()
    assert answers_of(project)["_commit"] == FIRST_RELEASE


def test_pinned_version_and_skipped_versions(template: Path, tmp_path: Path) -> None:
    """--vcs-ref pins an update to one release; updating past several applies them all."""
    release(template, "0.2.0", write={"template/docs/two.md": "two\n"})
    release(template, "0.3.0", write={"template/docs/three.md": "three\n"})
    pinned = render(tmp_path / "pinned", template=template, vcs_ref=FIRST_RELEASE).path
    skipping = render(tmp_path / "skipping", template=template, vcs_ref=FIRST_RELEASE).path

    update(pinned, vcs_ref="0.2.0")
    update(skipping, vcs_ref="0.3.0")

    assert answers_of(pinned)["_commit"] == "0.2.0"
    assert (pinned / "docs" / "two.md").is_file()
    assert not (pinned / "docs" / "three.md").exists()
    assert answers_of(skipping)["_commit"] == "0.3.0"
    assert (skipping / "docs" / "two.md").is_file()
    assert (skipping / "docs" / "three.md").is_file()


@pytest.mark.parametrize(
    "combination",
    [
        pytest.param(name, marks=() if name in CORE else pytest.mark.slow, id=name)
        for name in PAIRWISE
    ],
)
def test_renovate_command_updates_every_combination(
    template: Path, tmp_path: Path, combination: str
) -> None:
    """Renovate's exact command, with no --trust and no terminal, updates every combination."""
    project = render(
        tmp_path / "project", PAIRWISE[combination], template=template, vcs_ref=FIRST_RELEASE
    ).path
    before = answers_of(project)
    append_line(
        template / "template" / "README.md.jinja", "Rendered by 0.2.0 for {{ project_slug }}."
    )
    release(template, "0.2.0")

    result = run(
        project,
        COPIER,
        "update",
        "--skip-answered",
        "--defaults",
        "--answers-file",
        ".copier-answers.yml",
        "--vcs-ref",
        "0.2.0",
        env={"CI": "true"},
    )

    assert "Updating to template version 0.2.0" in result.stderr
    assert (project / "README.md").read_text().endswith("Rendered by 0.2.0 for acme-orders.\n")
    after = answers_of(project)
    assert after == before | {"_commit": "0.2.0"}
    assert conflicted_paths(project) == []


def test_dependency_change_leaves_lock_to_uv(
    template: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """uv.lock stays the user's; `uv lock` then adds the template's dependency, keeping every pin.

    The user added a dependency of their own; the release adds one to
    pyproject.toml and relocks its own lock. The update merges pyproject.toml,
    leaves uv.lock alone (it is in _skip_if_exists), says to run `uv lock`, and
    `uv sync --locked` refuses the stale lock with the same instruction.
    """
    run(project, "uv", "add", "--no-sync", "tomli-w>=1.0")
    commit_all(project, "Add tomli-w")
    users_lock = (project / "uv.lock").read_text()
    pyproject = template / "template" / "pyproject.toml.jinja"
    edit(
        pyproject,
        '    "fastapi>=0.120.0",\n',
        '    "fastapi>=0.120.0",\n    "python-multipart>=0.0.20",\n',
    )
    commit_all(template, "Accept form uploads")
    template_lock = relock(template)
    assert '"python-multipart"' in template_lock.read_text()
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0", quiet=False)

    assert "uv lock" in capsys.readouterr().err
    merged = (project / "pyproject.toml").read_text()
    assert '"python-multipart>=0.0.20"' in merged
    assert '"tomli-w>=1.0"' in merged
    assert (project / "uv.lock").read_text() == users_lock
    stale = run(project, "uv", "sync", "--locked", check=False)
    assert stale.returncode != 0
    assert "uv lock" in stale.stderr

    run(project, "uv", "lock")
    run(project, "uv", "sync", "--locked")

    before, after = locked_versions(users_lock), locked_versions((project / "uv.lock").read_text())
    assert "python-multipart" in after
    assert "tomli-w" in after
    assert {name: after[name] for name in before} == before


ORDERS_MODULE = '''"""Orders: code the user wrote after generating the project."""

__all__ = ["order_total"]


def order_total(prices: list[int]) -> int:
    """Sum of the prices, in cents."""
    return sum(prices)
'''

ORDERS_TEST = f'''"""The user's own test, next to the template's."""

from {PACKAGE}.orders import order_total


def test_order_total_adds_prices() -> None:
    """Prices add up."""
    assert order_total([250, 100]) == 350
'''


def test_update_from_oldest_supported_release_is_green(tmp_path: Path) -> None:
    """A project from the oldest supported release, with user code, updates to HEAD green.

    The template is a clone of this repository with its real tags and history;
    the working tree is committed on top, followed by a release of the usual
    kinds (changed module, new question, new file, new dependency + relock).
    After the update the user follows docs/updating.md: `uv lock`, then
    `uv sync --locked`, the tests and the linters pass.
    """
    template = tmp_path / "template"
    oldest, head = clone_with_history(template)
    append_line(template / TEMPLATE_SETTINGS, f"\n\n# Template {head}: settings reviewed.")
    with (template / "copier.yml").open("a") as config:
        config.write("\nhttp_port:\n  type: int\n  help: Port to listen on\n  default: 8000\n")
    append_line(template / "template" / "README.md.jinja", "Listens on port {{ http_port }}.")
    (template / "template" / "docs").mkdir(parents=True, exist_ok=True)
    (template / "template" / "docs" / "operations.md.jinja").write_text(
        "# Run {{ project_name }}\n"
    )
    edit(
        template / "template" / "pyproject.toml.jinja",
        '    "fastapi>=0.120.0",\n',
        '    "fastapi>=0.120.0",\n    "python-multipart>=0.0.20",\n',
    )
    commit_all(template, "Next release")
    relock(template)
    release(template, head)
    project = render(tmp_path / "project", template=template, vcs_ref=oldest).path
    (project / "src" / PACKAGE / "orders.py").write_text(ORDERS_MODULE)
    (project / "tests" / "test_orders.py").write_text(ORDERS_TEST)
    commit_all(project, "Orders")

    update(project, vcs_ref=head)

    assert conflicted_paths(project) == []
    assert answers_of(project)["_commit"] == head
    assert answers_of(project)["http_port"] == 8000
    assert (project / "src" / PACKAGE / "orders.py").read_text() == ORDERS_MODULE
    run(project, "uv", "lock")
    run(project, "uv", "sync", "--locked")
    tests = run(project, "uv", "run", "--locked", "pytest", "-q", "-p", "no:cacheprovider")
    collected = run(project, "uv", "run", "--locked", "pytest", "--co", "-q")
    assert "test_orders.py" in collected.stdout
    assert " passed" in tests.stdout
    run(project, "uv", "run", "--locked", "ruff", "check", ".")
    run(project, "uv", "run", "--locked", "ruff", "format", "--check", ".")
