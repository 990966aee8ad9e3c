"""Maintainer sessions for the template; run them with `uv run --locked nox -s NAME`."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tests"))

from combinations import LOCK_KEYS  # noqa: E402 - tests/ holds the shared answer sets

nox.options.default_venv_backend = "none"
# Copier's git calls through plumbum would log every command at nox's level.
logging.getLogger("plumbum").setLevel(logging.WARNING)
nox.options.sessions = ["lint", "tests"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the default test tier: every answer value rendered, core combinations checked."""
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Run the slow tier: the full pairwise answer matrix and the container builds."""
    session.run("pytest", "-m", "slow", *session.posargs)


# Between them every Python file of the template is rendered (db/postgresql.py
# only comes with postgresql); the other answers change no Python file's set.
LINTED_COMBINATIONS = ("defaults", "py311-pg-gitlab-nodocker")


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and type-check tests/ and noxfile.py; ruff the template sources as rendered."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pyright")
    # template/ holds Jinja and uses the rendered project's ruff settings, so it is
    # linted as rendered (pyright strict on it needs each project's environment:
    # test_generate.py runs that, and the project's own ruff, per combination).
    from combinations import PAIRWISE
    from helpers import render  # imports Copier: only when linting

    with tempfile.TemporaryDirectory(prefix="lint-") as tmp:
        for combo_id in LINTED_COMBINATIONS:
            project = render(Path(tmp) / combo_id, PAIRWISE[combo_id], commit=False)
            with session.chdir(project.path):
                session.run("ruff", "check", "--no-cache", ".")
                session.run("ruff", "format", "--check", "--no-cache", ".")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly into site/."""
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def relock(session: nox.Session) -> None:
    """Regenerate includes/locks/ for every python_version x database (pass --upgrade to bump)."""
    from helpers import relock as relock_one  # imports Copier: only when relocking

    for python_version, database in LOCK_KEYS:
        lock = relock_one(ROOT, python_version, database, session.posargs)
        session.log(f"wrote {lock.relative_to(ROOT)}")


@nox.session
def release(session: nox.Session) -> None:
    """Tag release X.Y.Z (`-- X.Y.Z`) once CHANGELOG, locks and a clean tree allow it."""
    from releasing import refusal

    if len(session.posargs) != 1:
        session.error("give the version to tag: uv run --locked nox -s release -- X.Y.Z")
    version = session.posargs[0]
    problem = refusal(ROOT, version)
    if problem:
        session.error(problem)
    message = f"copier-secure-service {version}"
    session.run("git", "tag", "--annotate", version, "--message", message, external=True)
    session.log(f"tagged {version}; publish it with `git push origin {version}`")


@nox.session
def bench_generate(session: nox.Session) -> None:
    """Benchmark `copier copy --defaults` against a one-file template, and copy-to-green time."""
    session.run("python", str(ROOT / "tests" / "bench_generate.py"), *session.posargs)


if shutil.which("uv") is None:  # uv comes from the locked dev group
    sys.exit("uv is not on PATH: run sessions with `uv run --locked nox -s NAME`")
