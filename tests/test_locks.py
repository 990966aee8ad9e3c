"""The template's per-combination uv.lock files stay in step with pyproject.toml."""

from __future__ import annotations

import pytest
from checks import stale_lock_findings
from combinations import LOCK_KEYS
from helpers import RenderTo, lock_path


@pytest.mark.parametrize(("python_version", "database"), LOCK_KEYS, ids=lambda v: str(v))
def test_lock_is_current(render_to: RenderTo, python_version: str, database: str) -> None:
    """`uv lock --locked` accepts the rendered lock as it is (else: run nox -s relock)."""
    project = render_to(
        {"python_version": python_version, "database": database},
        name=f"{python_version}-{database}",
    )
    assert stale_lock_findings(project) == ""


def test_a_stale_lock_is_reported_with_the_fix(render_to: RenderTo) -> None:
    """A dependency added without relocking fails the check, naming `nox -s relock`."""
    project = render_to({})
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = [", 'dependencies = [\n    "idna>=3.0",')
    )
    findings = stale_lock_findings(project)
    assert "py3.12-sqlite.lock is stale" in findings
    assert "nox -s relock" in findings


@pytest.mark.parametrize(("python_version", "database"), LOCK_KEYS, ids=lambda v: str(v))
def test_lock_pins_exact_versions_with_hashes(python_version: str, database: str) -> None:
    """Every locked distribution from the index has an exact version and sha256 hashes."""
    text = lock_path(python_version, database).read_text()
    packages = text.split("[[package]]")[1:]
    assert packages
    for block in packages:
        if 'source = { registry = "https://pypi.org/simple" }' in block:
            assert "\nversion = " in block
            assert 'hash = "sha256:' in block
        else:
            assert 'source = { editable = "." }' in block
            assert 'name = "{{ project_slug }}"' in block
