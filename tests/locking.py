"""Regenerate one of the template's per-combination locks.

Used by `nox -s relock` and by the update tests (which relock a throwaway copy
of the template), so both produce a lock exactly the same way.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import copier
from rendering import project_env

PLACEHOLDER = "lock-placeholder-service"


def relock(
    template: Path, python_version: str, database: str, uv_args: Sequence[str] = ()
) -> Path:
    """Render `template` at HEAD, run `uv lock`, store the lock with the slug templated.

    The current lock seeds the resolution, so only what the change needs moves;
    pass `--upgrade` in `uv_args` to move everything to the newest versions.
    """
    lock = template / "includes" / "locks" / f"py{python_version}-{database}.lock"
    with tempfile.TemporaryDirectory(prefix="relock-") as tmp:
        dst = Path(tmp) / "project"
        copier.run_copy(
            str(template),
            dst,
            data={
                "project_name": PLACEHOLDER,
                "author_email": "maintainers@example.org",
                "python_version": python_version,
                "database": database,
            },
            defaults=True,
            vcs_ref="HEAD",
            exclude=["uv.lock"],
            unsafe=False,
            quiet=True,
        )
        if lock.exists() and "--upgrade" not in uv_args:
            seed = lock.read_text().replace("{{ project_slug }}", PLACEHOLDER)
            (dst / "uv.lock").write_text(seed)
        subprocess.run(
            ["uv", "lock", "--quiet", *uv_args],
            cwd=dst,
            env=project_env(),
            check=True,
            capture_output=True,
        )
        text = (dst / "uv.lock").read_text()
    if any(marker in text for marker in ("{{", "{%", "{#")):
        raise ValueError(f"{lock.name}: the lock text clashes with Jinja syntax")
    lock.write_text(text.replace(f'"{PLACEHOLDER}"', '"{{ project_slug }}"'))
    return lock
