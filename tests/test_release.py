"""`nox -s release -- X.Y.Z` tags only a release that is written up, locked and committed.

Each test runs the real session in a scratch clone of this repository (its
working tree committed on top), so no tag ever lands here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import clone_with_history, commit_all, edit, git, run

NOX = str(Path(sys.executable).with_name("nox"))


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A clone of this template with the working tree committed and 0.2.0 written up."""
    clone = tmp_path / "template"
    clone_with_history(clone)
    changelog = clone / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace("## Unreleased (0.2.0)\n", "## 0.2.0 (2026-12-01)\n", 1)
    )
    commit_all(clone, "Release 0.2.0")
    return clone


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


def test_release_tags_an_annotated_pep440_tag_at_head(scratch: Path) -> None:
    """A written-up version, current locks and a clean tree: an annotated tag on HEAD."""
    code, output = _release(scratch, "0.2.0")

    assert code == 0, output
    assert git(scratch, "cat-file", "-t", "0.2.0").strip() == "tag"
    assert git(scratch, "rev-parse", "0.2.0^{commit}") == git(scratch, "rev-parse", "HEAD")
    assert "git push origin 0.2.0" in output


def test_release_refuses_a_version_without_a_changelog_entry(scratch: Path) -> None:
    """No `## 0.3.0 (date)` heading: refused, naming the heading to write; no tag."""
    before = _tags(scratch)

    code, output = _release(scratch, "0.3.0")

    assert code != 0
    assert "CHANGELOG.md has no entry for 0.3.0" in _failure(output)
    assert "`## 0.3.0 (YYYY-MM-DD)`" in _failure(output)
    assert _tags(scratch) == before


def test_release_refuses_a_dirty_tree(scratch: Path) -> None:
    """An uncommitted file: refused, naming it; no tag."""
    (scratch / "notes.txt").write_text("not reviewed\n")
    before = _tags(scratch)

    code, output = _release(scratch, "0.2.0")

    assert code != 0
    assert "the work tree is dirty (notes.txt" in _failure(output)
    assert _tags(scratch) == before


def test_release_refuses_a_stale_lock(scratch: Path) -> None:
    """A dependency added without relocking: refused, naming the lock and `nox -s relock`."""
    edit(
        scratch / "template" / "pyproject.toml.jinja",
        '    "fastapi>=0.120.0",\n',
        '    "fastapi>=0.120.0",\n    "idna>=3.0",\n',
    )
    commit_all(scratch, "A dependency, not relocked")
    before = _tags(scratch)

    code, output = _release(scratch, "0.2.0")

    assert code != 0
    line = _failure(output)
    assert "includes/locks/py3.11-sqlite.lock is stale" in line
    assert "nox -s relock" in line
    assert _tags(scratch) == before


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
def test_release_refuses_bad_arguments(scratch: Path, args: tuple[str, ...], reason: str) -> None:
    """A missing, extra, malformed or already-tagged version: one line saying so; no tag."""
    before = _tags(scratch)

    code, output = _release(scratch, *args)

    assert code != 0
    assert reason in _failure(output)
    assert _tags(scratch) == before
