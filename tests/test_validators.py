"""The answer validators in includes/validators.jinja, rendered as Copier renders them."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from helpers import ROOT, RenderTo, macro, tool, validator_words
from helpers import validator as check


def test_stdlib_list_covers_this_interpreter() -> None:
    """Every public stdlib module of the running Python is refused as a package name."""
    public = sorted(name for name in sys.stdlib_module_names if not name.startswith("_"))
    accepted = [
        name for name in public if name.islower() and not check("package_name_error", name)
    ]
    assert accepted == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Acme Orders", ""),
        ("Ünïcode API 2", ""),
        ("", "1 to 64 characters"),
        ("x" * 65, "1 to 64 characters"),
        ("line\nbreak", "printable"),
        ("tab\there", "printable"),
        ("   ", "only spaces"),
        ("1234", "Latin letter"),
        ("Éé", ""),
        ("Ωμέγα", "Latin letter"),
    ],
)
def test_project_name(value: str, reason: str) -> None:
    """project_name: 1-64 printable characters with a letter to make a slug from."""
    result = check("project_name_error", value)
    assert (reason in result) if reason else result == ""


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("acme-orders", ""),
        ("api2", ""),
        ("a" * 64, ""),
        ("", "must not be empty."),
        ("acme notes", "no spaces: join the words with -"),
        ("acme-orders\n", "no spaces: join the words with -"),
        ("Acme", "like my-service: a-z, 0-9 and -"),
        ("acme_orders", "like my-service: a-z, 0-9 and -"),
        ("2acme", "must start with a letter a-z."),
        ("-acme", "must start with a letter a-z."),
        ("acme--orders", "one - between words, not --"),
        ("acme-", "must not end with -"),
        ("a" * 65, "must be at most 64 characters long."),
        ("fastapi", "a dependency has this name"),
        ("rich", "a dependency has this name"),
        ("fastapi-service", ""),
        ("activate", "taken by a command in .venv/bin"),
        ("python", "taken by a command in .venv/bin"),
        ("check-yaml", "taken by a command in .venv/bin"),
        ("uv", "taken by a command in .venv/bin"),
    ],
)
def test_project_slug(value: str, reason: str) -> None:
    """project_slug: lowercase words joined by single dashes; the reason names the rule broken."""
    assert check("project_slug_error", value) == reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("acme_orders", ""),
        ("billing2", ""),
        ("Acme", "lowercase Python identifier"),
        ("acme orders", "lowercase Python identifier"),
        ("acme-orders", "use _ between words, not -"),
        ("2fast", "must start with a letter a-z."),
        ("_acme", "must start with a letter a-z."),
        ("class", "keyword"),
        ("match", "keyword"),
        ("email", "standard library"),
        ("logging", "standard library"),
        ("test", "standard library"),
        ("fastapi", "depends on"),
        ("yaml", "depends on"),
        ("xdist", "depends on"),  # pytest-xdist's module
        ("pytest_xdist", "depends on"),
        ("rich", "depends on"),
        ("tests", "the project's own files"),
        ("conftest", "the project's own files"),
        ("noxfile", "the project's own files"),
        ("build", "the project's own files"),
        ("test_kitchen", "must not start with test_"),
        ("testkitchen", ""),
    ],
)
def test_package_name(value: str, reason: str) -> None:
    """package_name: identifier, not a keyword, stdlib module, dependency or project file."""
    result = check("package_name_error", value)
    assert (reason in result) if reason else result == ""


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("security@acme.example.org", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("no-at-sign.example.org", False),
        ("two@@example.org", False),
        ("user@localhost", False),
        ("user@example.org\n", False),
    ],
)
def test_author_email(value: str, accepted: bool) -> None:
    """author_email: one address with a dotted domain."""
    assert (check("email_error", value) == "") is accepted


@pytest.mark.parametrize(
    "value", ["security@acme.example.org ", " security@acme.example.org", "spaces in@example.org"]
)
def test_author_email_with_a_space_says_so(value: str) -> None:
    """A space anywhere (a trailing one pasted along, say) is named as the problem.

    Copier validators cannot change an answer, so it is refused rather than
    stripped; the reason says what to remove.
    """
    assert check("email_error", value) == "must not contain spaces."


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Acme maintainers", ""),
        ("", "must not be empty."),
        ("   ", "must not be empty."),
        ("x" * 101, "must be at most 100 characters long."),
        ("two\nlines", "must be one printable line."),
    ],
)
def test_author_name(value: str, reason: str) -> None:
    """author_name: one printable line of at most 100 characters, not blank."""
    assert check("one_line_error", value, 100, True) == reason


def test_description_may_be_empty_but_not_long() -> None:
    """description: optional, one line, at most 200 characters."""
    assert check("one_line_error", "", 200) == ""
    assert check("one_line_error", "x" * 201, 200) == "must be at most 200 characters long."


def test_dependabot_is_refused_on_gitlab_only() -> None:
    """The dependabot choice is disabled, with its reason, when ci is gitlab."""
    assert check("dependabot_error", "gitlab") == "GitHub only; use renovate for GitLab"
    assert check("dependabot_error", "github") == ""
    assert check("dependabot_error", "none") == ""


@pytest.mark.parametrize(
    ("package", "role"),
    [
        ("acme_orders", "acme_orders_app"),
        ("a" * 64, "a" * 59 + "_app"),
        ("pg_notes", "app_pg_notes"),  # PostgreSQL reserves role names starting with pg_
        ("pg_" + "a" * 61, "app_pg_" + "a" * 56),
        ("pgadmin_tools", "pgadmin_tools_app"),
    ],
)
def test_app_role_is_derived_from_the_package_and_fits_postgresql(package: str, role: str) -> None:
    """The app role is <package>_app (app_<package> for pg_...), cut to 63 bytes."""
    assert macro("default_app_role", package) == role
    assert len(role.encode()) <= 63
    assert check("app_role_error", role, package) == ""


@pytest.mark.parametrize(
    ("package", "role"),
    [("acme_orders", "acme_orders_owner"), ("pg_notes", "owner_pg_notes")],
)
def test_owner_role_follows_the_same_rule(package: str, role: str) -> None:
    """compose's schema owner is <package>_owner, owner_<package> for a pg_ package."""
    assert macro("default_owner_role", package) == role
    assert check("owner_role_error", role, package) == ""
    assert check("owner_role_error", "postgres", package) == (
        "follows package_name; set that instead."
    )


def test_app_role_cannot_be_set_apart_from_the_package() -> None:
    """A --data app_role that differs from the derived one is refused (update would undo it)."""
    assert check("app_role_error", "postgres", "acme_orders") == (
        "follows package_name; set that instead."
    )


@pytest.mark.parametrize(
    ("name", "slug", "package"),
    [
        ("Acme Orders", "acme-orders", "acme_orders"),
        ("  Billing -- API v2 ", "billing-api-v2", "billing_api_v2"),
        ("2048 Game", "game", "game"),
        ("Email", "email", "email_service"),
        ("Class", "class", "class_service"),
        ("FastAPI", "fastapi-service", "fastapi_service"),
        ("PyYAML", "pyyaml-service", "pyyaml_service"),
        ("Tests", "tests", "tests_service"),
        ("Noxfile", "noxfile", "noxfile_service"),
        ("Test", "test", "testservice"),
        ("Test Kitchen", "test-kitchen", "testkitchen"),
        ("Test S", "test-s", "tests_service"),
        ("Python", "python-service", "python_service"),
        ("Check YAML", "check-yaml-service", "check_yaml_service"),
        ("Café Orders", "cafe-orders", "cafe_orders"),
        ("Ünïcode Ærø Straße", "unicode-aero-strasse", "unicode_aero_strasse"),
        ("\uff26\uff55\uff4c\uff4c \uff57\uff49\uff44\uff54\uff48", "full-width", "full_width"),
        ("ﬃ" * 64, ("ffi" * 22)[:64], ("ffi" * 22)[:64]),
    ],
)
def test_derived_defaults_are_valid(name: str, slug: str, package: str) -> None:
    """Defaults derived from project_name pass their own validators (Copier does not check)."""
    assert check("default_slug", name) == slug
    assert check("default_package", slug) == package
    assert check("project_slug_error", slug) == ""
    assert check("package_name_error", package) == ""


def _nfkd_ascii(character: str) -> str:
    """NFKD with the combining marks dropped: what the slug table must give."""
    decomposed = unicodedata.normalize("NFKD", character)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_slug_transliteration_table_is_nfkd() -> None:
    """Every Latin or fullwidth letter that NFKD spells in ASCII maps to that spelling.

    The few table entries beyond NFKD are letters it leaves alone (ß, æ, ø ...),
    each spelled in ASCII letters.
    """
    latin = [
        chr(code)
        for code in range(0x80, 0x30000)
        if unicodedata.name(chr(code), "").startswith(
            ("LATIN", "FULLWIDTH LATIN", "FULLWIDTH DIGIT")
        )
    ]
    wanted = {
        c: _nfkd_ascii(c)
        for c in latin
        if _nfkd_ascii(c) != c and _nfkd_ascii(c).isascii() and _nfkd_ascii(c).isalnum()
    }
    got = {c: macro("ascii_name", c) for c in latin}
    assert {c: got[c] for c in wanted} == wanted
    extras = {c: ascii for c, ascii in got.items() if c not in wanted and ascii != c}
    assert all(
        _nfkd_ascii(c) == c and ascii.isascii() and ascii.isalpha() for c, ascii in extras.items()
    )
    assert {"ß": "ss", "æ": "ae", "ø": "o", "ł": "l"}.items() <= extras.items()


def _locked_names() -> set[str]:
    """Every package name in the template's lock files, the project's own left out."""
    names = {
        name
        for lock in (ROOT / "includes" / "locks").glob("*.lock")
        for name in re.findall(r'^\[\[package\]\]\nname = "([^"]+)"', lock.read_text(), re.M)
    }
    return names - {"{{ project_slug }}"}


def test_locked_distributions_are_the_locks_names() -> None:
    """The slug rule's list is exactly what the locks hold: after a relock, update it."""
    assert set(validator_words("locked_distributions")) == _locked_names()


def test_no_locked_distribution_is_a_valid_slug_or_package() -> None:
    """A project named like a locked package could not be locked beside it (uv.lock would
    hold two of that name), and its import name would shadow the dependency's."""
    accepted = {
        name
        for name in _locked_names()
        if check("project_slug_error", name) != "a dependency has this name"
        or check("package_name_error", name.replace("-", "_")) == ""
    }
    assert accepted == set()


def test_no_file_of_a_rendered_project_is_a_valid_package(render_to: RenderTo) -> None:
    """Every folder and module at the top of a full project, and every name pytest puts on
    sys.path from tests/ or the benchmarks from benchmarks/, is refused as package_name (and
    never a default)."""
    project = render_to({"database": "postgresql", "docker": True, "ci": "github"}).path
    names = {
        entry.stem
        for folder in (project, project / "tests", project / "benchmarks")
        for entry in folder.iterdir()
        if not entry.name.startswith((".", "test_"))
        and (entry.is_dir() or entry.suffix == ".py")
        and entry.stem != "__pycache__"
    }
    assert {"noxfile", "src", "tests", "conftest", "benchmarks", "http_load"} <= names
    refused = {name: check("package_name_error", name) for name in names}
    assert {name: reason for name, reason in refused.items() if not reason} == {}
    assert {macro("default_package", name) for name in names}.isdisjoint(names)


def test_a_service_named_like_a_dependency_still_locks(render_to: RenderTo) -> None:
    """`FastAPI` once gave the slug `fastapi`, whose uv.lock then held two packages called
    fastapi and could not even be read; its default slug now locks as rendered."""
    project = render_to({"project_name": "FastAPI"})
    assert (project.answers["project_slug"], project.package) == (
        "fastapi-service",
        "fastapi_service",
    )
    project.run(tool("uv"), "lock", "--check")


@pytest.mark.slow  # syncs a rendered project's environment
def test_no_command_of_a_synced_project_is_a_valid_slug(render_to: RenderTo) -> None:
    """The project's own command is named after its slug: no slug may spell a command
    its environment already has (uv refuses `python`; `activate` would be overwritten)."""
    project = render_to({"database": "postgresql"})
    project.run(tool("uv"), "sync", "--locked")
    own = project.answers["project_slug"]
    commands = {
        entry.name
        for entry in (project.path / ".venv" / "bin").iterdir()
        if re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", entry.name) and entry.name != own
    }
    assert "pytest" in commands
    assert {name for name in commands if not check("project_slug_error", name)} == set()
    assert commands | {"uv", "uvx"} == set(validator_words("venv_commands"))
