"""The answer sets the tests render really cover every value and every pair."""

from __future__ import annotations

from itertools import combinations, product

from combinations import CHOICES, CORE, PAIRWISE


def test_every_pair_of_values_is_rendered() -> None:
    """Each pair of values of two questions appears together in some combination."""
    missing = []
    for (q1, values1), (q2, values2) in combinations(CHOICES.items(), 2):
        for v1, v2 in product(values1, values2):
            if {q1: v1, q2: v2} == {"ci": "gitlab", "dependency_updates": "dependabot"}:
                continue  # forbidden by the dependency_updates validator
            if not any(c[q1] == v1 and c[q2] == v2 for c in PAIRWISE.values()):
                missing.append(f"{q1}={v1} with {q2}={v2}")
    assert missing == []


def test_core_covers_databases_pythons_and_ci_systems() -> None:
    """The default tier's full checks see each database, Python and CI system with files."""
    core = [PAIRWISE[name] for name in CORE]
    assert {c["database"] for c in core} == set(CHOICES["database"])
    assert {c["python_version"] for c in core} == set(CHOICES["python_version"])
    assert {c["ci"] for c in core} >= {"github", "gitlab"}
