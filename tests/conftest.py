"""Fixtures shared by the template's tests: isolated git, and rendered projects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from combinations import PAIRWISE
from rendering import RenderedProject, render


@pytest.fixture(autouse=True, scope="session")
def isolated_git_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give git (ours and Copier's) a known identity and no user or system config."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text(
        "[user]\n\tname = Template Tests\n\temail = tests@example.org\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    saved = {key: os.environ.get(key) for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")}
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_RENDERED: dict[str, RenderedProject] = {}


@pytest.fixture
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Render a PAIRWISE combination once per test session, committed to git."""

    def _get(combo_id: str) -> RenderedProject:
        if combo_id not in _RENDERED:
            dst = tmp_path_factory.mktemp(combo_id) / "project"
            _RENDERED[combo_id] = render(dst, PAIRWISE[combo_id])
        return _RENDERED[combo_id]

    return _get


@pytest.fixture
def render_to(tmp_path: Path) -> Any:
    """Render one answer set into this test's own directory."""

    def _render(answers: dict[str, Any], name: str = "project") -> RenderedProject:
        return render(tmp_path / name, answers)

    return _render
