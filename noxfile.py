"""Maintainer sessions for the template; run them with `uv run --locked nox -s NAME`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tests"))

from combinations import LOCK_KEYS, lock_path  # noqa: E402 - tests/ holds the shared answer sets

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]

LOCK_PLACEHOLDER = "lock-placeholder-service"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the default test tier: every answer value rendered, core combinations checked."""
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Run the slow tier: the full pairwise answer matrix and the container builds."""
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and type-check the template's own code (tests, noxfile, template sources)."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pyright")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly into site/."""
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def relock(session: nox.Session) -> None:
    """Regenerate includes/locks/ for every python_version x database (pass --upgrade to bump)."""
    import logging

    import copier

    logging.getLogger("plumbum").setLevel(logging.WARNING)

    for python_version, database in LOCK_KEYS:
        with tempfile.TemporaryDirectory() as tmp:
            dst = Path(tmp) / "project"
            copier.run_copy(
                str(ROOT),
                dst,
                data={
                    "project_name": LOCK_PLACEHOLDER,
                    "author_email": "maintainers@example.org",
                    "python_version": python_version,
                    "database": database,
                },
                defaults=True,
                vcs_ref="HEAD",
                exclude=["uv.lock"],
                quiet=True,
            )
            template_lock = lock_path(python_version, database)
            if template_lock.exists() and "--upgrade" not in session.posargs:
                text = template_lock.read_text().replace("{{ project_slug }}", LOCK_PLACEHOLDER)
                (dst / "uv.lock").write_text(text)
            session.run(
                "uv", "lock", "--directory", str(dst), *session.posargs, env=_uv_env(), silent=True
            )
            text = (dst / "uv.lock").read_text()
            if any(marker in text for marker in ("{{", "{%", "{#")):
                session.error(f"{template_lock.name}: lock text clashes with Jinja syntax")
            quoted = f'"{LOCK_PLACEHOLDER}"'
            template_lock.write_text(text.replace(quoted, '"{{ project_slug }}"'))
            session.log(f"wrote {template_lock.relative_to(ROOT)}")


@nox.session
def bench_generate(session: nox.Session) -> None:
    """Benchmark `copier copy --defaults` against a one-file template, and copy-to-green time."""
    session.run("python", str(ROOT / "tests" / "bench_generate.py"), *session.posargs)


def _uv_env() -> dict[str, str | None]:
    """Run uv against the rendered project, not the maintainers' virtualenv."""
    return {"VIRTUAL_ENV": None, "UV_PYTHON_DOWNLOADS": os.environ.get("UV_PYTHON_DOWNLOADS")}


if shutil.which("uv") is None:  # uv comes from the locked dev group
    sys.exit("uv is not on PATH: run sessions with `uv run --locked nox -s NAME`")
