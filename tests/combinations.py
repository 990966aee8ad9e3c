"""The answer sets the tests render, shared by the tests and the noxfile.

Every value of every question appears in PAIRWISE, and every pair of values of
the choice questions appears in at least one combination (checked by
test_combinations.py). CORE is the subset the default test tier runs the full
checks on; the slow tier checks the rest.
"""

from __future__ import annotations

from typing import Any

PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
DATABASES = ("sqlite", "postgresql")
LOCK_KEYS = tuple((py, db) for py in PYTHON_VERSIONS for db in DATABASES)

BASE_ANSWERS: dict[str, Any] = {
    "project_name": "Acme Orders",
    "author_email": "security@acme.example.org",
}

CHOICES: dict[str, tuple[Any, ...]] = {
    "python_version": PYTHON_VERSIONS,
    "database": DATABASES,
    "docker": (True, False),
    "ci": ("github", "gitlab", "none"),
    "dependency_updates": ("renovate", "dependabot", "none"),
    "license": ("MIT", "Apache-2.0", "Proprietary"),
}


def _combo(py: str, db: str, docker: bool, ci: str, deps: str, lic: str) -> dict[str, Any]:
    return {
        "python_version": py,
        "database": db,
        "docker": docker,
        "ci": ci,
        "dependency_updates": deps,
        "license": lic,
    }


# A pairwise covering set; dependabot never meets gitlab (the validator forbids it).
PAIRWISE: dict[str, dict[str, Any]] = {
    "defaults": _combo("3.12", "sqlite", True, "github", "renovate", "MIT"),
    "py311-pg-gitlab-nodocker": _combo(
        "3.11", "postgresql", False, "gitlab", "renovate", "Apache-2.0"
    ),
    "py313-pg-github-dependabot": _combo(
        "3.13", "postgresql", True, "github", "dependabot", "Proprietary"
    ),
    "py311-sqlite-none-dependabot": _combo("3.11", "sqlite", True, "none", "dependabot", "MIT"),
    "py313-sqlite-gitlab-nodeps": _combo("3.13", "sqlite", False, "gitlab", "none", "MIT"),
    "py312-pg-none-nodeps": _combo("3.12", "postgresql", True, "none", "none", "Apache-2.0"),
    "py312-sqlite-github-nodeps": _combo("3.12", "sqlite", False, "github", "none", "Proprietary"),
    "py311-sqlite-github-renovate": _combo(
        "3.11", "sqlite", False, "github", "renovate", "Proprietary"
    ),
    "py313-pg-none-renovate": _combo(
        "3.13", "postgresql", False, "none", "renovate", "Apache-2.0"
    ),
    "py312-pg-gitlab-renovate": _combo(
        "3.12", "postgresql", True, "gitlab", "renovate", "Proprietary"
    ),
    "py311-pg-github-dependabot": _combo(
        "3.11", "postgresql", False, "github", "dependabot", "Apache-2.0"
    ),
    "py313-sqlite-github-renovate": _combo(
        "3.13", "sqlite", True, "github", "renovate", "Apache-2.0"
    ),
    "py312-sqlite-none-dependabot": _combo(
        "3.12", "sqlite", False, "none", "dependabot", "Apache-2.0"
    ),
    "py311-sqlite-gitlab-none": _combo("3.11", "sqlite", True, "gitlab", "none", "Proprietary"),
    "py312-pg-none-mit": _combo("3.12", "postgresql", False, "none", "none", "MIT"),
    "py313-sqlite-none-proprietary": _combo(
        "3.13", "sqlite", True, "none", "renovate", "Proprietary"
    ),
}

CORE = ("defaults", "py311-pg-gitlab-nodocker", "py313-pg-github-dependabot")
