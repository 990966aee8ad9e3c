"""The rendered benchmarks run as the rendered README says: `uv run --locked nox -s bench`.

Numbers are never asserted (timings are noisy, and benchmarks are not tests).
What is asserted is that every benchmark got as far as its verdicts: one whose
server the app refuses to start (settings the edge added later, say) fails
here, not in a user's hands.
"""

from __future__ import annotations

import os
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
BENCH = ("uv", "run", "--locked", "nox", "-s", "bench")


def _ran_to_verdicts(output: str, verdicts: dict[str, str]) -> dict[str, str]:
    """The benchmarks that did not print their verdict line (empty when all did)."""
    return {script: line for script, line in verdicts.items() if line not in output}


def test_the_readme_gives_the_bench_command(tmp_path: Path) -> None:
    """The command below is the one the rendered README tells a user to type."""
    readme = render(tmp_path / "project", commit=False).path / "README.md"
    assert " ".join(BENCH) in readme.read_text()


@pytest.mark.slow
def test_nox_bench_runs_every_benchmark_to_its_verdicts(tmp_path: Path) -> None:
    """The default (SQLite) project: every benchmarks/bench_*.py runs in full and reports."""
    project = render(tmp_path / "project", commit=False).path
    result = run(project, *BENCH, timeout=1200)
    output = result.stdout + result.stderr
    assert _ran_to_verdicts(output, VERDICTS) == {}, output[-4000:]
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
    assert _ran_to_verdicts(output, {**VERDICTS, **POSTGRESQL_VERDICTS}) == {}, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
