"""Every valid answer renders a project that lints clean, the longest names included.

The validators accept names up to 64 characters; a line of generated code that
spells an answer out must still fit ruff's 99 columns with the longest one, and
must be formatted the same whatever the name's length (rendering is a
formatting no-op).
"""

from __future__ import annotations

import keyword
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from checks import pyright_findings
from helpers import ROOT, RenderedProject, render
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

LIMIT = 64  # the longest project_name, project_slug and package_name the validators accept
LINE_LENGTH = 99  # the rendered pyproject.toml's ruff line-length
LONGEST = {
    "project_name": "Q" * LIMIT,
    "project_slug": "-".join(["qqqqqqq"] * 8),
    "package_name": "q" * LIMIT,
}
# What the template spells out with them; app_role is computed, cut to PostgreSQL's 63 bytes.
SPELLED = {**LONGEST, "app_role": LONGEST["package_name"][:59] + "_app"}
ANSWER = re.compile(r"\{\{ *(package_name|project_slug|project_name|app_role)(\[:(\d+)\])? *\}\}")


def _with_longest(line: str) -> str:
    def longest(match: re.Match[str]) -> str:
        cut = match.group(3)
        return SPELLED[match.group(1)][: int(cut) if cut else None]

    return ANSWER.sub(longest, line)


def test_no_python_line_outgrows_the_limit_with_the_longest_answers() -> None:
    """Each template line that spells out an answer still fits 99 columns with 64-char answers."""
    too_long = [
        f"{path.relative_to(ROOT)}:{number}: {len(_with_longest(line))} columns"
        for path in sorted((ROOT / "template").rglob("*.py.jinja"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ANSWER.search(line) and len(_with_longest(line)) > LINE_LENGTH
    ]
    assert too_long == [], "wrap these lines (one name per line, trailing comma):\n" + "\n".join(
        too_long
    )


def _lint_findings(project: RenderedProject) -> str:
    """ruff check, ruff format --check and pyright, with the project's own locked tools."""
    findings = []
    for args in (
        ("ruff", "check", "--output-format", "concise", "."),
        ("ruff", "format", "--check", "."),
    ):
        result = project.run("uv", "run", "--locked", *args, check=False)
        if result.returncode != 0:
            findings.append(result.stdout + result.stderr)
    return "\n".join([*findings, pyright_findings(project)]).strip()


@pytest.fixture(scope="module")
def longest(tmp_path_factory: pytest.TempPathFactory) -> RenderedProject:
    """A PostgreSQL project (the larger render) with the longest valid names, synced."""
    project = render(
        tmp_path_factory.mktemp("longest") / "project", {**LONGEST, "database": "postgresql"}
    )
    project.run("uv", "sync", "--locked", "-q")
    return project


def test_longest_names_lint_clean(longest: RenderedProject) -> None:
    """64-character names: ruff, ruff format and pyright report nothing."""
    assert longest.package == LONGEST["package_name"]
    assert _lint_findings(longest) == ""


def test_longest_names_sqlite_lint_clean(tmp_path: Path, longest: RenderedProject) -> None:
    """The SQLite render of the same names is as clean (it drops the PostgreSQL lines)."""
    project = render(tmp_path / "project", {**LONGEST, "database": "sqlite"})
    _share_environment(project, longest)
    assert _lint_findings(project) == ""


def _share_environment(project: RenderedProject, synced: RenderedProject) -> None:
    """Lint `project` with `synced`'s installed tools: pyright finds the package under src/."""
    os.symlink(synced.path / ".venv", project.path / ".venv")


package_names = st.from_regex(r"[a-z][a-z0-9_]{0,63}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and name not in sys.stdlib_module_names
)
slugs = st.from_regex(r"[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,20}){0,3}", fullmatch=True)


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    package_name=package_names,
    project_slug=slugs,
    database=st.sampled_from(["sqlite", "postgresql"]),
)
def test_sampled_names_lint_clean(
    tmp_path_factory: pytest.TempPathFactory,
    longest: RenderedProject,
    package_name: str,
    project_slug: str,
    database: str,
) -> None:
    """Names of any valid length, drawn by Hypothesis: ruff, ruff format and pyright clean."""
    answers: dict[str, Any] = {
        "project_name": f"Sample {project_slug}",
        "project_slug": project_slug,
        "package_name": package_name,
        "database": database,
    }
    destination = tmp_path_factory.mktemp("sampled") / "project"
    try:
        project = render(destination, answers)
    except ValueError:  # a name the validators refuse (a dependency's, say): not a case
        reject()
    _share_environment(project, longest)
    assert _lint_findings(project) == ""
