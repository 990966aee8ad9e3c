"""The documentation site builds with --strict, and the README keeps its two commands."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import ROOT, readme_block, run, tool


def test_docs_build_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict succeeds: no broken link, no page left out of the nav."""
    result = run(ROOT, tool("mkdocs"), "build", "--strict", "--site-dir", str(tmp_path))
    index = tmp_path / "index.html"
    assert index.exists(), result.stderr
    assert "mkdocs-material-" in index.read_text(), "the site is built with the Material theme"


def test_readme_holds_the_generate_and_test_commands() -> None:
    """Both commands are single lines that bootstrap a pinned uv and use the locked env."""
    generate, tests = readme_block("generate-command"), readme_block("test-command")
    for command in (generate, tests):
        assert len(command) == 1
        assert command[0].startswith("python3 -m venv .tools && .tools/bin/pip install -q uv==")
    assert generate[0].endswith('copier copy --vcs-ref=HEAD "$PWD" ../my-service')
    assert tests[0].endswith("uv run --locked nox -s tests")


def test_every_uv_pin_a_newcomer_meets_is_the_maintainers_uv() -> None:
    """README, the printed next steps, the rendered README and the docs install one uv."""
    pinned = re.search(r'"uv==([0-9.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    places = [
        ROOT / "README.md",
        ROOT / "copier.yml",
        ROOT / "template" / "README.md.jinja",
        *sorted((ROOT / "docs").glob("*.md")),
    ]
    found = {
        f"{path.relative_to(ROOT)}: uv=={version}"
        for path in places
        for version in re.findall(r"\buv==([0-9][0-9.]*[0-9])", path.read_text())
    }
    assert found
    assert {line for line in found if not line.endswith(f"uv=={pinned.group(1)}")} == set()
