"""The rendered README's nox commands, typed as it gives them, in a rendered project.

`uv run --locked nox -s tests` and `uv run --locked nox -s bench` verbatim;
`lint` and `typecheck`, which `uv run --locked nox` runs first, by name.
(`security` needs an OSV server: test_audit_wiring.py runs it against a local one.)

Benchmark numbers are never asserted (timings are noisy, and benchmarks are not
tests). What is asserted is that every benchmark got as far as its verdicts:
one whose server the app refuses to start (a setting the edge made required,
say) fails here, not in a user's hands.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import render, run

# A line each benchmark prints only once it has measured.
VERDICTS = {
    "bench_auth.py": "login flood: 64 concurrent clients",
    "bench_db.py": "sqlite      fetch_one",
    "bench_http.py": "GET /notes/{id}  ours",
    "bench_logging.py": "target: clean records ratio",
}
POSTGRESQL_VERDICTS = {
    "bench_db.py": "postgresql  fetch_one",
    "bench_http_postgresql.py": "GET /notes/{id} vs bare",
}
NOX = ("uv", "run", "--locked", "nox")
BENCH = (*NOX, "-s", "bench")
TESTS = (*NOX, "-s", "tests")


def _missing_verdicts(output: str, verdicts: dict[str, str]) -> dict[str, str]:
    """The benchmarks that did not print their verdict line (empty when all did)."""
    return {script: line for script, line in verdicts.items() if line not in output}


def test_the_readme_gives_these_commands(tmp_path: Path) -> None:
    """The commands below are the ones the rendered README tells a user to type."""
    readme = (render(tmp_path / "project", commit=False).path / "README.md").read_text()
    for command in (NOX, TESTS, BENCH):
        typed = " ".join(command)  # on a line of its own, or in backticks in the text
        assert re.search(rf"(^|`){re.escape(typed)}(\s|`)", readme, re.MULTILINE), typed


@pytest.mark.slow
def test_nox_tests_lint_and_typecheck_pass_in_a_new_project(tmp_path: Path) -> None:
    """The default project: `nox -s tests` verbatim, and the lint and typecheck sessions."""
    project = render(tmp_path / "project").path
    tests = run(project, *TESTS, timeout=1200)
    assert " passed" in tests.stdout + tests.stderr
    assert "Session tests was successful" in tests.stdout + tests.stderr
    for session in ("lint", "typecheck"):
        checked = run(project, *NOX, "-s", session, timeout=600)
        assert f"Session {session} was successful" in checked.stdout + checked.stderr


@pytest.mark.slow
def test_nox_bench_runs_every_benchmark_to_its_verdicts(tmp_path: Path) -> None:
    """The default (SQLite) project: every benchmarks/bench_*.py runs in full and reports."""
    project = render(tmp_path / "project", commit=False).path
    result = run(project, *BENCH, timeout=1200)
    output = result.stdout + result.stderr
    assert _missing_verdicts(output, VERDICTS) == {}, output[-4000:]
    assert "Traceback" not in output, output[-4000:]


@pytest.mark.slow
def test_postgresql_benchmarks_reach_their_verdicts(tmp_path: Path) -> None:
    """With PostgreSQL (TEST_DATABASE_URL, as in CI), the pooled-service benchmark runs too.

    `-- --quick` is each benchmark's smoke run: the full numbers are for `nox -s bench`.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: the PostgreSQL benchmarks need a server")
    project = render(tmp_path / "project", {"database": "postgresql"}, commit=False).path
    result = run(project, *BENCH, "--", "--quick", env={"TEST_DATABASE_URL": url}, timeout=1200)
    output = result.stdout + result.stderr
    assert _missing_verdicts(output, {**VERDICTS, **POSTGRESQL_VERDICTS}) == {}, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
