"""Maintainer sessions: each runs one kind of check against the locked environment."""

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests", "security"]

# The uv running `uv run --locked nox` (it sets UV), so one outside PATH works too.
UV = os.environ.get("UV", "uv")
LOCKED = (UV, "run", "--locked", "--")
DEPLOY = Path(__file__).parent / "deploy"


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
        UV,
        "export",
        "--quiet",
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


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmarks/bench_*.py; each prints its ratio to a baseline from the same run."""
    scripts = sorted((Path(__file__).parent / "benchmarks").glob("bench_*.py"))
    if not scripts:
        session.error("no benchmarks/bench_*.py to run")
    for script in scripts:  # each script accepts --quick for a short smoke run
        session.run(*LOCKED, "python", str(script), *session.posargs)


if (DEPLOY / "kubernetes").is_dir():  # rendered with database=postgresql and docker

    @nox.session(venv_backend="uv")
    def kubernetes(session: nox.Session) -> None:
        """Render deploy/ with kubectl kustomize; check it with kubernetes-validate and checkov."""
        session.install(
            "--require-hashes",
            "--only-binary=:all:",
            "--requirement",
            str(DEPLOY / "validation-requirements.txt"),
        )
        kubectl = os.environ.get("KUBECTL", "kubectl")  # CI passes its pinned, checked copy
        overlays = sorted(path.parent for path in DEPLOY.glob("overlays/*/kustomization.yaml"))
        for base in (DEPLOY / "kubernetes", *overlays):
            rendered = Path(session.create_tmp()) / f"{base.name}.yaml"
            session.run(kubectl, "kustomize", str(base), "--output", str(rendered), external=True)
            session.run("kubernetes-validate", "--strict", "--quiet", str(rendered))
            session.run(
                "checkov",
                "--framework",
                "kubernetes",
                "--skip-download",
                "--quiet",
                "--compact",
                "--file",
                str(rendered),
            )
