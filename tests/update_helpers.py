"""Throwaway template releases and rendered projects for the update and answer tests.

The update tests follow Copier's own pattern: the template becomes a git repo
in a temporary directory, tagged like a release; a project is rendered from a
tag and committed; the template changes and is tagged again; `run_update`
brings the change in. Everything here is real: git, Copier's API and CLI, uv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import copier
import locking
import pytest
import yaml

__all__ = [
    "ANSWERS",
    "COPIER",
    "FIRST_RELEASE",
    "PACKAGE",
    "ROOT",
    "answers_of",
    "append_line",
    "clone_with_history",
    "commit_all",
    "conflicted_paths",
    "edit",
    "git",
    "isolate_git",
    "locked_versions",
    "make_template_repo",
    "next_release",
    "release",
    "relock",
    "render",
    "replace_first_line",
    "run",
    "update",
    "uv_env",
]

ROOT = Path(__file__).resolve().parents[1]
FIRST_RELEASE = "0.1.0"
ANSWERS: dict[str, Any] = {
    "project_name": "Acme Orders",
    "author_email": "security@acme.example.org",
}
PACKAGE = "acme_orders"
# The copier console script of the environment running the tests (the maintainers').
COPIER = str(Path(sys.executable).with_name("copier"))


def run(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command and keep its output; a failure shows what it printed."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return what it printed."""
    return run(cwd, "git", *args).stdout


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Point git (ours and Copier's) at a config of its own, as CI would see it."""
    config = home / "gitconfig"
    config.write_text(
        "[user]\n\tname = Update Tests\n\temail = update-tests@example.org\n"
        "[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def _template_files() -> list[str]:
    """The template's files as they are now: tracked or new, never ignored ones."""
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return sorted(name for name in set(listed.split("\0")) if name and (ROOT / name).is_file())


def make_template_repo(dst: Path, tag: str = FIRST_RELEASE) -> Path:
    """Copy this template into a fresh git repo at `dst` and tag it as a release."""
    for name in _template_files():
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(dst, "init", "-q")
    # --force: the template's own files may match a rendered .gitignore inside template/.
    git(dst, "add", "--all", "--force")
    git(dst, "commit", "-qm", f"Release {tag}")
    git(dst, "tag", tag)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path`; fail loudly if the file moved on."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: expected exactly one {old!r}"
    path.write_text(text.replace(old, new))


def release(
    template: Path,
    tag: str,
    *,
    write: Mapping[str, str] | None = None,
    edits: Sequence[tuple[str, str, str]] = (),
    rename: Mapping[str, str] | None = None,
    delete: Sequence[str] = (),
) -> None:
    """Change the template the way a release does, commit and tag it."""
    for name, text in (write or {}).items():
        path = template / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name, old, new in edits:
        edit(template / name, old, new)
    for old_name, new_name in (rename or {}).items():
        (template / new_name).parent.mkdir(parents=True, exist_ok=True)
        git(template, "mv", old_name, new_name)
    for name in delete:
        git(template, "rm", "-q", name)
    git(template, "add", "--all", "--force")
    git(template, "commit", "-qm", f"Release {tag}")
    git(template, "tag", tag)


def commit_all(project: Path, message: str) -> None:
    """Commit every change in the project, as a user would before updating."""
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def render(
    template: Path, dst: Path, *, vcs_ref: str = FIRST_RELEASE, data: Mapping[str, Any] = {}
) -> Path:
    """Render a project from a template release and commit it, like a new user."""
    copier.run_copy(
        str(template),
        dst,
        data={**ANSWERS, **data},
        vcs_ref=vcs_ref,
        defaults=True,
        unsafe=False,
        quiet=True,
    )
    git(dst, "init", "-q")
    commit_all(dst, "Start from copier-secure-service")
    return dst


def update(project: Path, *, vcs_ref: str, quiet: bool = True) -> None:
    """Update as `copier update --defaults` does: no --trust, conflicts inline."""
    copier.run_update(
        project,
        vcs_ref=vcs_ref,
        defaults=True,
        overwrite=True,
        unsafe=False,
        quiet=quiet,
        conflict="inline",
    )


def answers_of(project: Path) -> dict[str, Any]:
    """The answers Copier recorded in the project."""
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def conflicted_paths(project: Path) -> list[str]:
    """Paths git records as unmerged: where the update left conflict markers."""
    return git(project, "diff", "--name-only", "--diff-filter=U").split()


def uv_env() -> dict[str, str]:
    """Run uv for the rendered project, not inside the maintainers' virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT"}}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def replace_first_line(path: Path, line: str) -> None:
    """Put `line` in place of the file's first line (a module docstring, a heading)."""
    lines = path.read_text().splitlines(keepends=True)
    lines[0] = line + "\n"
    path.write_text("".join(lines))


def append_line(path: Path, line: str) -> None:
    """Add `line` at the end of the file, keeping its final newline."""
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line + "\n")


def relock(template: Path, python_version: str = "3.12", database: str = "sqlite") -> Path:
    """Regenerate one includes/locks file from the template's HEAD, as `nox -s relock` does."""
    return locking.relock(template, python_version, database)


def locked_versions(lock_text: str) -> dict[str, str]:
    """Package name -> locked version, read from a uv.lock."""
    packages = tomllib.loads(lock_text).get("package", [])
    return {pkg["name"]: str(pkg.get("version", "")) for pkg in packages}


def clone_with_history(dst: Path, oldest: str = FIRST_RELEASE) -> tuple[str, str]:
    """Clone this repo with its tags, commit the working tree on top; return (oldest, head).

    `oldest` is the oldest release a project can still update from. Before it is
    tagged, the commit checked out now stands in for it, so the test still
    updates from real template history to the working tree.
    """
    head = git(ROOT, "rev-parse", "HEAD").strip()
    git(dst.parent, "clone", "-q", "--no-checkout", str(ROOT), dst.name)
    git(dst, "checkout", "-q", "-B", "main", head)
    if not git(dst, "tag", "--list", oldest).strip():
        git(dst, "tag", oldest, head)
    current = set(_template_files())
    for name in git(dst, "ls-files", "-z").split("\0"):
        if name and name not in current:
            git(dst, "rm", "-q", "--", name)
    for name in current:
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(dst, "add", "--all", "--force")
    git(dst, "commit", "-q", "--allow-empty", "-m", "Working tree")
    return oldest, next_release(dst)


def next_release(template: Path) -> str:
    """A release number above every tag the template has."""
    majors = [
        int(tag.lstrip("v").split(".")[0])
        for tag in git(template, "tag", "--list").split()
        if tag.lstrip("v").split(".")[0].isdigit()
    ]
    return f"{max(majors, default=0) + 1}.0.0"
