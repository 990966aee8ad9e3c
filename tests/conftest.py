"""Fixtures shared by the template's tests: isolated git, and rendered projects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from combinations import PAIRWISE
from helpers import RenderCombination, RenderedProject, RenderTo, render

GIT_CONFIG = (
    "[user]\n\tname = Template Tests\n\temail = tests@example.org\n"
    "[init]\n\tdefaultBranch = main\n"
    "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
)


@pytest.fixture(autouse=True, scope="session")
def isolated_git_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give git (ours and Copier's) a known identity and no user or system config, as CI has."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text(GIT_CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            patch.delenv(name, raising=False)
        yield


_RENDERED: dict[str, RenderedProject] = {}


@pytest.fixture
def rendered(tmp_path_factory: pytest.TempPathFactory) -> RenderCombination:
    """Render a PAIRWISE combination once per test session, committed to git."""

    def _get(combo_id: str) -> RenderedProject:
        if combo_id not in _RENDERED:
            dst = tmp_path_factory.mktemp(combo_id) / "project"
            _RENDERED[combo_id] = render(dst, PAIRWISE[combo_id])
        return _RENDERED[combo_id]

    return _get


@pytest.fixture
def render_to(tmp_path: Path) -> RenderTo:
    """Render one answer set into this test's own directory."""

    def _render(answers: Mapping[str, Any], name: str = "project") -> RenderedProject:
        return render(tmp_path / name, answers)

    return _render
