"""Maintainer sessions: each runs one kind of check against the locked environment."""

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests", "security"]

LOCKED = ("uv", "run", "--locked", "--")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (PostgreSQL too when TEST_DATABASE_URL is set)."""
    session.run(*LOCKED, "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff (the S rules cover security smells)."""
    session.run(*LOCKED, "ruff", "check", ".")
    session.run(*LOCKED, "ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check with pyright, strict on src."""
    session.run(*LOCKED, "pyright")


@nox.session
def security(session: nox.Session) -> None:
    """Scan the code with bandit and the locked dependencies with pip-audit."""
    session.run(*LOCKED, "bandit", "-c", "pyproject.toml", "-r", "src")
    requirements = session.create_tmp() + "/requirements.txt"
    session.run(
        "uv",
        "export",
        "--locked",
        "--format",
        "requirements-txt",
        "--no-emit-project",
        "--output-file",
        requirements,
        external=True,
    )
    session.run(
        *LOCKED,
        "pip-audit",
        "--strict",
        "--require-hashes",
        "--disable-pip",
        "--requirement",
        requirements,
        *session.posargs,
    )
