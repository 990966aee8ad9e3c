"""Render the template with the real Copier API and run commands in the result."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml
from combinations import BASE_ANSWERS, ROOT


@dataclass(frozen=True)
class RenderedProject:
    """A rendered project directory and the answers Copier recorded for it."""

    path: Path
    answers: dict[str, Any]

    @property
    def package(self) -> str:
        """The import name of the rendered package."""
        return str(self.answers["package_name"])

    def run(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the project, outside the maintainers' virtualenv."""
        return run(list(args), cwd=self.path, check=check, extra_env=env)


def project_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for commands in a rendered project: its own .venv, no ours."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.setdefault("UV_PYTHON_DOWNLOADS", "never" if os.environ.get("CI") else "automatic")
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def run(
    args: list[str], cwd: Path, check: bool = True, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run args in cwd; on failure the assertion shows the command and its output."""
    result = subprocess.run(
        args, cwd=cwd, env=project_env(extra_env), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(args)}` exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def render(dst: Path, answers: dict[str, Any], *, git: bool = True) -> RenderedProject:
    """Render this checkout (HEAD plus uncommitted changes) with answers; git-commit it."""
    data = {**BASE_ANSWERS, **answers}
    copier.run_copy(
        str(ROOT), dst, data=data, defaults=True, vcs_ref="HEAD", unsafe=False, quiet=True
    )
    if git:
        run(["git", "init", "-q"], cwd=dst)
        run(["git", "add", "-A"], cwd=dst)
        run(["git", "commit", "-q", "-m", "Rendered by the template tests"], cwd=dst)
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    return RenderedProject(path=dst, answers=recorded)
