"""What `nox -s release -- X.Y.Z` checks before it tags a template release.

Each check returns one line naming what is wrong and how to fix it, or "" when
the release may go ahead. Cheap checks come first; the lock check renders every
python_version x database and asks uv whether its lock still fits.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from checks import stale_lock_findings
from combinations import LOCK_KEYS
from helpers import render, run
from packaging.version import InvalidVersion, Version

__all__ = ["changelog_error", "dirty_tree_error", "refusal", "stale_lock_error", "version_error"]


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(root, "git", *args, check=False)


def version_error(root: Path, version: str) -> str:
    """The version is a canonical PEP 440 version that is not tagged yet."""
    try:
        canonical = str(Version(version))
    except InvalidVersion:
        return f"{version!r} is not a PEP 440 version: pass one like 0.2.0 or 1.0.0rc1."
    if canonical != version:
        return f"{version!r} is not in canonical form: pass {canonical}."
    if _git(root, "tag", "--list", version).stdout.strip():
        return f"tag {version} exists already: pick the next version."
    return ""


def changelog_error(root: Path, version: str) -> str:
    """CHANGELOG.md has a dated heading for the version: `## X.Y.Z (YYYY-MM-DD)`."""
    text = (root / "CHANGELOG.md").read_text()
    if re.search(rf"^## {re.escape(version)} \(\d{{4}}-\d{{2}}-\d{{2}}\)$", text, re.M):
        return ""
    return (
        f"CHANGELOG.md has no entry for {version}: rename the Unreleased heading to "
        f"`## {version} (YYYY-MM-DD)` and commit."
    )


def dirty_tree_error(root: Path) -> str:
    """Nothing uncommitted: the tag must name exactly what was reviewed."""
    status = _git(root, "status", "--porcelain").stdout
    if not status.strip():
        return ""
    first = status.splitlines()[0][3:]
    return (
        f"the work tree is dirty ({first} and {len(status.splitlines())} in all): commit or stash."
    )


def stale_lock_error() -> str:
    """Every includes/locks/ file of this checkout still fits its rendered pyproject.toml."""
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        for python_version, database in LOCK_KEYS:
            project = render(
                Path(scratch) / f"{python_version}-{database}",
                {"python_version": python_version, "database": database},
                commit=False,
            )
            findings = stale_lock_findings(project)
            if findings:
                return findings.splitlines()[0]
    return ""


def refusal(root: Path, version: str) -> str:
    """The first reason not to tag `version`, or "" when every check passes."""
    return (
        version_error(root, version)
        or changelog_error(root, version)
        or dirty_tree_error(root)
        or stale_lock_error()
    )
