"""Dependency bots leave the template's pins alone, so they and `copier update` never collide.

The template bumps action SHAs, image digests and container/build-requirements.txt
in its releases; the rendered Renovate and Dependabot configs keep away from the
files that hold them (docs/updating.md, "Dependency bots and the template's pins").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from combinations import PAIRWISE
from helpers import (
    commit_all,
    conflicted_paths,
    git,
    make_template_repo,
    release,
    render,
    update,
)

# What a template pin looks like: an image digest, an action pinned to a commit,
# a hashed requirement.
PIN = re.compile(
    r"@sha256:[0-9a-f]{64}|^\s*(?:-\s*)?uses:\s*\S+@[0-9a-f]{40}\b|--hash=sha256:", re.M
)
# The files each Dependabot ecosystem reads, as glob patterns over the project.
DEPENDABOT_READS = {
    "github-actions": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "docker": ("**/Dockerfile", "**/*.Dockerfile"),
    "docker-compose": ("**/compose.yml", "**/compose.yaml", "**/docker-compose.yml"),
    "pip": ("**/*requirements*.txt",),
}
COMPOSE_TEMPLATE = (
    "template/{% if docker and database == 'postgresql' %}compose.yml{% endif %}.jinja"
)
COMPOSE_PIN = re.compile(r"image: postgres:17-bookworm@sha256:[0-9a-f]{64}")


def _pinned_files(project: Path) -> set[str]:
    """Paths of the rendered project (uv.lock aside: it is the project's) that hold a pin."""
    return {
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and path.name != "uv.lock"
        and PIN.search(path.read_text(errors="replace"))
    }


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every PAIRWISE combination, rendered (not committed)."""
    root = tmp_path_factory.mktemp("policy")
    return {
        combo: render(root / combo, answers, commit=False).path
        for combo, answers in PAIRWISE.items()
    }


def test_renovate_ignores_exactly_the_files_that_hold_template_pins(
    renders: dict[str, Path],
) -> None:
    """ignorePaths lists every pinned file of every combination, and nothing else."""
    shipped: set[str] = set()
    for combo, project in renders.items():
        pinned = _pinned_files(project)
        shipped |= pinned
        config = project / "renovate.json"
        if config.exists():
            ignored = set(json.loads(config.read_text())["ignorePaths"])
            assert pinned <= ignored, f"{combo}: Renovate would bump {sorted(pinned - ignored)}"
    renovate = next(
        p / "renovate.json" for p in renders.values() if (p / "renovate.json").exists()
    )
    assert set(json.loads(renovate.read_text())["ignorePaths"]) == shipped


def test_dependabot_reads_no_file_that_holds_template_pins(renders: dict[str, Path]) -> None:
    """Every Dependabot entry skips the template's pinned files; uv.lock stays covered."""
    seen = 0
    for combo, project in renders.items():
        config = project / ".github" / "dependabot.yml"
        if not config.exists():
            continue
        seen += 1
        updates = yaml.safe_load(config.read_text())["updates"]
        assert {"package-ecosystem": "uv", "directory": "/"}.items() <= updates[0].items()
        for entry in updates:
            excluded = set(entry.get("exclude-paths", []))
            read = {
                str(path.relative_to(project))
                for pattern in DEPENDABOT_READS.get(entry["package-ecosystem"], ())
                for path in project.glob(pattern)
            }
            collide = (read & _pinned_files(project)) - excluded
            assert not collide, f"{combo}: {entry['package-ecosystem']} would bump {collide}"
    assert seen


@pytest.fixture
def pinned_project(tmp_path: Path) -> tuple[Path, Path, str]:
    """Template 0.1.0 and a PostgreSQL + docker project from it: (template, project, pin)."""
    template = make_template_repo(tmp_path / "template")
    project = render(
        tmp_path / "project",
        {"database": "postgresql", "docker": True},
        template=template,
        vcs_ref="0.1.0",
    ).path
    found = COMPOSE_PIN.search((project / "compose.yml").read_text())
    assert found is not None
    return template, project, found.group(0)


def _bump(path: Path, old: str, digest: str) -> str:
    new = f"image: postgres:17-bookworm@sha256:{digest * 64}"
    path.write_text(path.read_text().replace(old, new))
    return new


def test_template_bump_arrives_untouched_by_the_bots(
    pinned_project: tuple[Path, Path, str],
) -> None:
    """With the bots away from the pin, the release's new digest simply arrives."""
    template, project, pin = pinned_project
    new = _bump(template / COMPOSE_TEMPLATE, pin, "b")
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    assert new in (project / "compose.yml").read_text()
    assert conflicted_paths(project) == []


def test_a_pin_bumped_in_the_project_to_the_same_value_merges_cleanly(
    pinned_project: tuple[Path, Path, str],
) -> None:
    """A bot (or a person) bumped the pin; the release bumps it to the same digest: no conflict."""
    template, project, pin = pinned_project
    _bump(project / "compose.yml", pin, "b")
    commit_all(project, "chore(deps): update postgres docker digest")
    new = _bump(template / COMPOSE_TEMPLATE, pin, "b")
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    assert (project / "compose.yml").read_text().count(new) == 1
    assert conflicted_paths(project) == []


def test_a_pin_bumped_in_the_project_to_another_value_conflicts_with_both_lines(
    pinned_project: tuple[Path, Path, str],
) -> None:
    """Different digests on both sides: both lines stay between markers, to take the template's."""
    template, project, pin = pinned_project
    mine = _bump(project / "compose.yml", pin, "a")
    commit_all(project, "chore(deps): update postgres docker digest")
    theirs = _bump(template / COMPOSE_TEMPLATE, pin, "b")
    release(template, "0.2.0")

    update(project, vcs_ref="0.2.0")

    text = (project / "compose.yml").read_text()
    both = (
        rf"<<<<<<< before updating\n\s*{re.escape(mine)}\n"
        rf"=======\n\s*{re.escape(theirs)}\n>>>>>>> after updating"
    )
    assert re.search(both, text), text
    assert conflicted_paths(project) == ["compose.yml"]
    assert git(project, "log", "-1", "--format=%s").strip().startswith("chore(deps)")
