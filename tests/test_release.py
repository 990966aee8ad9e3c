"""`nox -s release -- X.Y.Z` tags only a release that is written up, locked and committed.

Each test runs the real session in a scratch clone of this repository (its
working tree committed on top), so no tag ever lands here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import clone_with_history, commit_all, edit, git, run

NOX = str(Path(sys.executable).with_name("nox"))


class Scratch(NamedTuple):
    """A scratch clone, the version written up in it and one that is not."""

    path: Path
    version: str
    unwritten: str


@pytest.fixture
def scratch(tmp_path: Path) -> Scratch:
    """A clone of this template with the working tree committed and the next version written up.

    The version is one above every tag the repository has, so the tests hold
    whatever releases are already tagged.
    """
    clone = tmp_path / "template"
    _, version = clone_with_history(clone)
    major = int(version.split(".")[0])
    changelog = clone / "CHANGELOG.md"
    text = re.sub(
        r"^## Unreleased.*$",
        f"## {version} (2026-12-01)",
        changelog.read_text(),
        count=1,
        flags=re.M,
    )
    changelog.write_text(text)
    commit_all(clone, f"Release {version}")
    return Scratch(clone, version, f"{major}.1.0")


def _release(clone: Path, *args: str) -> tuple[int, str]:
    result = run(clone, NOX, "-f", "noxfile.py", "-s", "release", "--", *args, check=False)
    return result.returncode, result.stdout + result.stderr


def _failure(output: str) -> str:
    """The one line nox prints for a failed session: the session's own reason."""
    lines = [line for line in output.splitlines() if "Session release aborted: " in line]
    assert len(lines) == 1, output
    return lines[0]


def _tags(clone: Path) -> set[str]:
    return set(git(clone, "tag", "--list").split())


def test_release_tags_an_annotated_pep440_tag_at_head(scratch: Scratch) -> None:
    """A written-up version, current locks and a clean tree: an annotated tag on HEAD."""
    code, output = _release(scratch.path, scratch.version)

    assert code == 0, output
    version = scratch.version
    assert git(scratch.path, "cat-file", "-t", version).strip() == "tag"
    assert git(scratch.path, "rev-parse", f"{version}^{{commit}}") == git(
        scratch.path, "rev-parse", "HEAD"
    )
    assert f"git push origin {version}" in output


def test_release_refuses_a_version_without_a_changelog_entry(scratch: Scratch) -> None:
    """No `## X.Y.Z (date)` heading: refused, naming the heading to write; no tag."""
    before = _tags(scratch.path)

    code, output = _release(scratch.path, scratch.unwritten)

    assert code != 0
    assert f"CHANGELOG.md has no entry for {scratch.unwritten}" in _failure(output)
    assert f"`## {scratch.unwritten} (YYYY-MM-DD)`" in _failure(output)
    assert _tags(scratch.path) == before


def test_release_refuses_a_dirty_tree(scratch: Scratch) -> None:
    """An uncommitted file: refused, naming it; no tag."""
    (scratch.path / "notes.txt").write_text("not reviewed\n")
    before = _tags(scratch.path)

    code, output = _release(scratch.path, scratch.version)

    assert code != 0
    assert "the work tree is dirty (notes.txt" in _failure(output)
    assert _tags(scratch.path) == before


def test_release_refuses_a_stale_lock(scratch: Scratch) -> None:
    """A dependency added without relocking: refused, naming the lock and `nox -s relock`."""
    edit(
        scratch.path / "template" / "pyproject.toml.jinja",
        '    "fastapi>=0.120.0",\n',
        '    "fastapi>=0.120.0",\n    "idna>=3.0",\n',
    )
    commit_all(scratch.path, "A dependency, not relocked")
    before = _tags(scratch.path)

    code, output = _release(scratch.path, scratch.version)

    assert code != 0
    line = _failure(output)
    assert "includes/locks/py3.11-sqlite.lock is stale" in line
    assert "nox -s relock" in line
    assert _tags(scratch.path) == before


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param((), "give the version to tag", id="missing"),
        pytest.param(("0.2.0", "0.3.0"), "give the version to tag", id="two"),
        pytest.param(("v0.2",), "not in canonical form: pass 0.2", id="v-prefix"),
        pytest.param(("banana",), "'banana' is not a PEP 440 version", id="not-a-version"),
        pytest.param(("0.1.0",), "tag 0.1.0 exists already", id="tagged"),
    ],
)
def test_release_refuses_bad_arguments(
    scratch: Scratch, args: tuple[str, ...], reason: str
) -> None:
    """A missing, extra, malformed or already-tagged version: one line saying so; no tag."""
    before = _tags(scratch.path)

    code, output = _release(scratch.path, *args)

    assert code != 0
    assert reason in _failure(output)
    assert _tags(scratch.path) == before
