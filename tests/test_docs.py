"""The documentation site builds with --strict, and the README keeps its two commands."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import ROOT, run, tool


def test_docs_build_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict succeeds: no broken link, no page left out of the nav."""
    result = run(ROOT, tool("mkdocs"), "build", "--strict", "--site-dir", str(tmp_path))
    assert (tmp_path / "index.html").exists(), result.stderr


def _command(marker: str) -> str:
    readme = (ROOT / "README.md").read_text()
    block = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```\n<!-- /{marker} -->", readme, re.S)
    assert block is not None, f"README.md lost its {marker} block"
    return block.group(1)


def test_readme_holds_the_generate_and_test_commands() -> None:
    """Both commands are single lines that bootstrap a pinned uv and use the locked env."""
    generate, tests = _command("generate-command"), _command("test-command")
    for command in (generate, tests):
        assert "\n" not in command
        assert command.startswith("python3 -m venv .tools && .tools/bin/pip install -q uv==")
    assert "copier copy --vcs-ref=HEAD . ../my-service" in generate
    assert tests.endswith("uv run --locked nox -s tests")
    pinned = re.search(r'"uv==([0-9.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    assert f"uv=={pinned.group(1)}" in tests
