"""Bad answers given without a terminal stop Copier before it writes anything.

`--data` and `--data-file` answers are checked by the same validators as typed
ones; the error names the question and the rule. Defaults are never validated
by Copier (`--defaults` trusts them), so the derived ones are checked here for
every valid project_name Hypothesis can think of.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from combinations import BASE_ANSWERS
from helpers import COPIER, ROOT, macro, render, run, validator
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

BAD_ANSWERS = [
    pytest.param("project_name", "", "must be 1 to 64 characters", id="empty-name"),
    pytest.param("project_slug", "Bad_Slug", "like my-service", id="bad-slug"),
    pytest.param("project_slug", "acme--orders", "not --", id="double-dash-slug"),
    pytest.param("project_slug", "2acme", "start with a letter", id="digit-first-slug"),
    pytest.param("project_slug", "acme notes", "no spaces", id="spaced-slug"),
    pytest.param("package_name", "class", "keyword", id="keyword-package"),
    pytest.param("package_name", "email", "standard library", id="stdlib-package"),
    pytest.param("package_name", "fastapi", "depends on", id="dependency-package"),
    pytest.param("author_email", "nobody", "name@example.org", id="bad-email"),
    pytest.param(
        "author_email", "sec@acme.example.org ", "must not contain spaces", id="email-space"
    ),
    pytest.param("app_role", "postgres", "follows package_name", id="app-role-override"),
    pytest.param("description", "x" * 201, "at most 200 characters", id="long-description"),
]

BAD_CHOICES = [
    pytest.param(
        {"python_version": "3.10"}, "python_version", "'3.10' is not in", id="old-python"
    ),
    pytest.param({"database": "mysql"}, "database", "'mysql' is not in", id="unknown-database"),
    pytest.param(
        {"ci": "gitlab", "dependency_updates": "dependabot"},
        "dependency_updates",
        "use renovate for GitLab",
        id="dependabot-on-gitlab",
    ),
]


def _copy(*args: str, cwd: Path) -> tuple[int, str]:
    """`copier copy --defaults` of this template via the CLI, with no terminal at all."""
    result = run(
        cwd,
        COPIER,
        "copy",
        "--quiet",
        "--vcs-ref",
        "HEAD",
        "--defaults",
        *args,
        env={"CI": "true"},
        check=False,
    )
    return result.returncode, result.stderr


def _data(answers: dict[str, str]) -> list[str]:
    return [arg for name, value in answers.items() for arg in ("--data", f"{name}={value}")]


@pytest.mark.parametrize(("question", "value", "reason"), BAD_ANSWERS)
def test_bad_data_answer_stops_before_writing(
    tmp_path: Path, question: str, value: str, reason: str
) -> None:
    """A bad --data answer fails naming the question and the rule; nothing is created."""
    dst = tmp_path / "service"

    code, stderr = _copy(
        *_data({**BASE_ANSWERS, question: value}), str(ROOT), str(dst), cwd=tmp_path
    )

    assert code != 0
    assert f"Validation error for question '{question}'" in stderr
    assert reason in stderr
    assert not dst.exists()


@pytest.mark.parametrize(("answers", "question", "reason"), BAD_CHOICES)
def test_bad_choice_stops_before_writing(
    tmp_path: Path, answers: dict[str, str], question: str, reason: str
) -> None:
    """A value outside a question's choices fails naming the question; nothing is created."""
    dst = tmp_path / "service"

    code, stderr = _copy(*_data({**BASE_ANSWERS, **answers}), str(ROOT), str(dst), cwd=tmp_path)

    assert code != 0
    assert f"Invalid choice for '{question}'" in stderr
    assert reason in stderr
    assert not dst.exists()


@pytest.mark.parametrize(
    ("question", "value", "reason"),
    [BAD_ANSWERS[2], BAD_ANSWERS[5]],
)
def test_bad_data_file_answer_leaves_empty_destination_empty(
    tmp_path: Path, question: str, value: str, reason: str
) -> None:
    """A bad answer in --data-file fails the same way; an existing empty target stays empty."""
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(yaml.safe_dump({**BASE_ANSWERS, question: value}))
    dst = tmp_path / "service"
    dst.mkdir()

    code, stderr = _copy("--data-file", str(answers_file), str(ROOT), str(dst), cwd=tmp_path)

    assert code != 0
    assert f"Validation error for question '{question}'" in stderr
    assert reason in stderr
    assert list(dst.iterdir()) == []


def test_copy_into_existing_project_never_overwrites_silently(tmp_path: Path) -> None:
    """Without --overwrite and without a terminal, a file the user has stops the copy unchanged."""
    dst = tmp_path / "service"
    dst.mkdir()
    (dst / "README.md").write_text("# The user's own README\n")
    (dst / "pyproject.toml").write_text('[project]\nname = "mine"\n')

    code, stderr = _copy(*_data(BASE_ANSWERS), str(ROOT), str(dst), cwd=tmp_path)

    assert code != 0
    assert "--overwrite" in stderr
    assert (dst / "README.md").read_text() == "# The user's own README\n"
    assert (dst / "pyproject.toml").read_text() == '[project]\nname = "mine"\n'


# --- Derived defaults: valid by construction, for any valid project_name ---------------


NAME_CHARACTERS = st.one_of(
    st.sampled_from(string.ascii_letters + string.digits + " -_.'&()"),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(project_name=st.text(NAME_CHARACTERS, min_size=1, max_size=64))
@example(project_name="Acme Orders")
@example(project_name="2048 Game")
@example(project_name="Class")
@example(project_name="Email")
@example(project_name="Type")
@example(project_name="FastAPI")
@example(project_name="Tests")
@example(project_name="Test")
@example(project_name="Test Kitchen")
@example(project_name="Test S")
@example(project_name="Noxfile")
@example(project_name="Conftest")
@example(project_name="Rich")
@example(project_name="PyYAML")
@example(project_name="Build")
@example(project_name="Python")
@example(project_name="Activate")
@example(project_name="UV")
@example(project_name="Ünïcode API 2")
@example(project_name="a" * 64)
@example(project_name="Café Orders")
@example(project_name="ß" * 64)
@example(project_name="\ufb03" * 64)  # the ffi ligature: three letters each
def test_derived_defaults_pass_their_validators(project_name: str) -> None:
    """For any project_name the validator accepts, the default slug and package are valid."""
    assume(validator("project_name_error", project_name) == "")

    slug = macro("default_slug", project_name)
    package = macro("default_package", slug)

    assert validator("project_slug_error", slug) == "", slug
    assert validator("package_name_error", package) == "", package


@pytest.mark.parametrize(
    "project_name", ["Class", "2048 Game", "  Ünïcode -- API v2 ", "Tests", "Café Orders"]
)
def test_defaults_match_copier(tmp_path: Path, project_name: str) -> None:
    """Copier's own render derives the same slug and package as the macros above."""
    recorded = render(tmp_path / "service", {"project_name": project_name}, commit=False).answers

    slug = macro("default_slug", project_name)
    assert (recorded["project_slug"], recorded["package_name"]) == (
        slug,
        macro("default_package", slug),
    )
