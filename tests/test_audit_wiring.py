"""The rendered project's dependency audit fails on a known vulnerability in its lock.

The rendered CI runs `nox -s security`, which exports the locked dependency set
with hashes and hands it to pip-audit. Here pip-audit (and `uv audit`) talk to a
local OSV-format server holding a fixture advisory against a package pinned in
the rendered uv.lock: the audit must fail while the advisory is served and pass
once it is withdrawn.
"""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import render, run
from osv_fixture_server import Advisory, OsvFixtureServer

AUDITED_PACKAGE = "uvicorn"  # a runtime dependency of every combination
ADVISORY_ID = "GHSA-fixt-ure0-0001"


# The fixture server is local: no proxy may stand between the audit tools and it.
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(cwd, *args, env=LOCAL, timeout=600, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, rendered from HEAD and synced from its lock."""
    dst = render(tmp_path_factory.mktemp("audit") / "project", commit=False).path
    synced = _run(["uv", "sync", "--locked", "--quiet"], dst)
    assert synced.returncode == 0, f"uv sync --locked failed:\n{synced.stderr}"
    return dst


@pytest.fixture
def osv(project: Path) -> Iterator[OsvFixtureServer]:
    """An OSV server with one advisory against the exact locked version of AUDITED_PACKAGE."""
    lock = tomllib.loads((project / "uv.lock").read_text())
    version = next(p["version"] for p in lock["package"] if p["name"] == AUDITED_PACKAGE)
    advisory = Advisory(
        id=ADVISORY_ID,
        package=AUDITED_PACKAGE,
        version=version,
        fixed=f"{version}.post999",
        summary="Fixture advisory for the audit wiring test",
    )
    with OsvFixtureServer([advisory]) as server:
        yield server


def _security_session(
    project: Path, server: OsvFixtureServer, cache: Path
) -> subprocess.CompletedProcess[str]:
    """The exact command the rendered CI runs, pointed at the fixture server."""
    return _run(
        [
            "uv", "run", "--locked", "nox", "-s", "security", "--",
            "--cache-dir", str(cache), "--progress-spinner", "off",
            "-s", "osv", "--osv-url", f"{server.url}/v1/query",
        ],
        project,
    )  # fmt: skip


def test_security_session_fails_on_a_locked_vulnerable_package(
    project: Path, osv: OsvFixtureServer, tmp_path: Path
) -> None:
    """nox -s security exits non-zero and names the advisory and the package."""
    result = _security_session(project, osv, tmp_path / "cache")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert ADVISORY_ID in output
    assert AUDITED_PACKAGE in output
    assert "pip-audit" in output
    assert "--require-hashes" in output
    queried = {name for name, _ in osv.queries}
    assert AUDITED_PACKAGE in queried
    # The whole locked set is audited, the dev group included, not just the runtime.
    assert {"fastapi", "pytest"} <= queried


def test_security_session_passes_once_the_advisory_is_withdrawn(
    project: Path, osv: OsvFixtureServer, tmp_path: Path
) -> None:
    """With no advisory served, the same command succeeds after auditing every package."""
    osv.advisories.clear()
    result = _security_session(project, osv, tmp_path / "cache")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "No known vulnerabilities found" in output
    assert AUDITED_PACKAGE in {name for name, _ in osv.queries}


def test_uv_audit_reads_the_same_service(project: Path, osv: OsvFixtureServer) -> None:
    """`uv audit --locked` (batch + per-id endpoints) flags the same advisory, then passes."""
    flagged = _run(["uv", "audit", "--locked", "--service-url", osv.url], project)
    assert flagged.returncode != 0, flagged.stdout + flagged.stderr
    assert ADVISORY_ID in flagged.stdout
    assert f"{AUDITED_PACKAGE} " in flagged.stdout

    osv.advisories.clear()
    clean = _run(["uv", "audit", "--locked", "--service-url", osv.url], project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert ADVISORY_ID not in clean.stdout
