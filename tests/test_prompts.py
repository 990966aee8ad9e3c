"""The questions, answered through a real terminal running `copier copy`.

Each test types into Copier's own prompts in a pseudo-terminal (80 columns,
like a default terminal window, unless the test says otherwise), then reads
the answers file Copier wrote. Tests wait for each question's help text, so a
help line cut by the terminal's width fails them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import COPIER, QUESTIONS, ROOT, answers_of
from helpers import COPIER_CONFIG as CONFIG
from terminal import DOWN, ENTER, ERASE_LINE, Terminal

HELP = {name: str(CONFIG[name]["help"]) for name in QUESTIONS}
# What Copier prints for a question that has a help text: the text after a microphone.
PROMPT = {name: f"🎤 {HELP[name]}" for name in QUESTIONS}


def _copier(dst: Path, *args: str, columns: int = 80) -> Terminal:
    return Terminal(
        [COPIER, "copy", "--vcs-ref", "HEAD", *args, str(ROOT), str(dst)],
        dst.parent,
        columns=columns,
    )


def _labels(question: str) -> list[str]:
    return list(CONFIG[question]["choices"])


def _choose(term: Terminal, question: str, keys: str) -> None:
    """Wait for a list question and every one of its labels, then move and pick."""
    term.expect(PROMPT[question])
    for label in _labels(question):
        term.expect(label)
    term.send(keys + ENTER)


def test_typing_every_answer(tmp_path: Path) -> None:
    """Typed text answers replace the defaults; y/n answers the yes/no question."""
    dst = tmp_path / "service"
    term = _copier(dst)
    typed = {
        "project_name": "Billing API",
        "project_slug": "billing-svc",
        "package_name": "billing_core",
        "description": "Bills the customers of Acme.",
        "author_name": "Billing Team",
        "author_email": "billing@acme.example.org",
    }
    for question, text in typed.items():
        term.answer(PROMPT[question], ERASE_LINE + text + ENTER)
    for question in ("python_version", "database"):
        term.answer(PROMPT[question], ENTER)
    term.answer(PROMPT["docker"], "n")
    for question in ("ci", "dependency_updates", "license"):
        term.answer(PROMPT[question], ENTER)

    assert term.wait_exit() == 0, term.tail()
    answers = answers_of(dst)
    assert {name: answers[name] for name in typed} == typed
    assert answers["docker"] is False
    assert (dst / "src" / "billing_core" / "app.py").is_file()


def test_enter_accepts_every_default(tmp_path: Path) -> None:
    """Enter takes each default; slug and package derive from the typed name."""
    dst = tmp_path / "service"
    term = _copier(dst)
    term.answer(PROMPT["project_name"], "Acme Orders" + ENTER)
    term.expect("acme-orders")  # the derived default, pre-filled
    term.send(ENTER)
    for question in QUESTIONS[2:]:
        if question == "author_email":
            term.answer(PROMPT[question], "security@acme.example.org" + ENTER)
        else:
            term.answer(PROMPT[question], ENTER)

    assert term.wait_exit() == 0, term.tail()
    answers = answers_of(dst)
    assert {name: answers[name] for name in QUESTIONS} == {
        "project_name": "Acme Orders",
        "project_slug": "acme-orders",
        "package_name": "acme_orders",
        "description": CONFIG["description"]["default"],
        "author_name": "Acme Orders maintainers",
        "author_email": "security@acme.example.org",
        "python_version": "3.12",
        "database": "sqlite",
        "docker": True,
        "ci": "github",
        "dependency_updates": "renovate",
        "license": "MIT",
    }


def test_arrow_keys_choose_from_lists(tmp_path: Path) -> None:
    """Arrow keys move through each list, every label shows in full, disabled ones say why."""
    dst = tmp_path / "service"
    term = _copier(dst, "--data", "project_name=Acme Orders", "--data", "author_email=a@acme.org")
    for question in ("project_slug", "package_name", "description", "author_name"):
        term.answer(PROMPT[question], ENTER)
    _choose(term, "python_version", DOWN)
    _choose(term, "database", DOWN)
    term.answer(PROMPT["docker"], "n")
    _choose(term, "ci", DOWN)
    term.expect(PROMPT["dependency_updates"])
    term.expect(_labels("dependency_updates")[0])
    term.expect(f"- {_labels('dependency_updates')[1]} (GitHub only; use renovate for GitLab)")
    term.send(DOWN + ENTER)  # the cursor skips the disabled dependabot
    _choose(term, "license", DOWN + DOWN)

    assert term.wait_exit() == 0, term.tail()
    answers = answers_of(dst)
    assert {name: answers[name] for name in QUESTIONS[6:]} == {
        "python_version": "3.13",
        "database": "postgresql",
        "docker": False,
        "ci": "gitlab",
        "dependency_updates": "none",
        "license": "Proprietary",
    }


WRONG_ANSWERS = [
    pytest.param("project_name", "", "must be 1 to 64 characters long.", "Acme", id="empty-name"),
    pytest.param(
        "project_slug", "Bad_Slug", "like my-service: a-z, 0-9 and -", "acme", id="bad-slug"
    ),
    pytest.param(
        "project_slug", "acme notes", "no spaces: join the words with -", "acme", id="spaced-slug"
    ),
    pytest.param(
        "project_slug", "acme--notes", "one - between words, not --", "acme", id="double-dash"
    ),
    pytest.param(
        "package_name", "class", "must not be a Python keyword.", "acme_core", id="keyword-package"
    ),
    pytest.param(
        "package_name",
        "email",
        "shadows a standard library module",
        "acme_mail",
        id="stdlib-package",
    ),
    pytest.param(
        "author_email",
        "sec@localhost",
        "must look like name@example.org",
        "sec@acme.org",
        id="bad-email",
    ),
    pytest.param(
        "author_email",
        "sec@acme.org ",
        "must not contain spaces.",
        "sec@acme.org",
        id="email-trailing-space",
    ),
]


@pytest.mark.parametrize(("question", "wrong", "reason", "right"), WRONG_ANSWERS)
def test_wrong_answer_is_asked_again_with_its_reason(
    tmp_path: Path, question: str, wrong: str, reason: str, right: str
) -> None:
    """A wrong answer keeps the question open with Copier's one-line reason; the fix is kept.

    Copier shows the reason in a one-line bar under the prompt, prefixed with
    the question's name; the whole reason fits an 80-column terminal.
    """
    dst = tmp_path / "service"
    given = {"project_name": "Acme Orders", "author_email": "sec@acme.org"}
    given.pop(question, None)
    data = [arg for name, value in given.items() for arg in ("--data", f"{name}={value}")]
    term = _copier(dst, *data)
    for name in QUESTIONS:
        if name in given:
            continue
        if name != question:
            term.answer(PROMPT[name], ENTER if name != "docker" else "y")
            continue
        term.answer(PROMPT[name], ERASE_LINE + wrong + ENTER)
        term.expect(f"Validation error for question '{question}': {reason}")
        assert not dst.exists(), "nothing is written while an answer is wrong"
        term.send(ERASE_LINE + right + ENTER)

    assert term.wait_exit() == 0, term.tail()
    assert answers_of(dst)[question] == right


def test_interrupted_questionnaire_writes_nothing(tmp_path: Path) -> None:
    """Ctrl-C half-way through the questions leaves no destination behind."""
    dst = tmp_path / "service"
    term = _copier(dst)
    term.answer(PROMPT["project_name"], "Acme Orders" + ENTER)
    term.answer(PROMPT["project_slug"], ENTER)
    term.answer(PROMPT["package_name"], "\x03")

    assert term.wait_exit() != 0
    assert not dst.exists()


def test_existing_file_is_kept_when_overwrite_is_declined(tmp_path: Path) -> None:
    """Copying into a project that has the file asks first; answering no keeps the user's."""
    dst = tmp_path / "service"
    dst.mkdir()
    (dst / "README.md").write_text("# The user's own README\n")
    term = _copier(
        dst,
        "--defaults",
        "--data",
        "project_name=Acme Orders",
        "--data",
        "author_email=sec@acme.org",
    )
    term.answer("Overwrite README.md?", "n")

    assert term.wait_exit() == 0, term.tail()
    assert (dst / "README.md").read_text() == "# The user's own README\n"
    assert (dst / "pyproject.toml").is_file()
