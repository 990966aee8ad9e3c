"""The answer validators in includes/validators.jinja, rendered as Copier renders them."""

from __future__ import annotations

import sys

import pytest
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
        ("1234", "ASCII letter"),
    ],
)
def test_project_name(value: str, reason: str) -> None:
    """project_name: 1-64 printable characters with a letter to make a slug from."""
    result = check("project_name_error", value)
    assert (reason in result) if reason else result == ""


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("acme-orders", True),
        ("api2", True),
        ("Acme", False),
        ("acme_orders", False),
        ("acme--orders", False),
        ("-acme", False),
        ("acme-", False),
        ("2acme", False),
        ("acme-orders\n", False),
        ("a" * 65, False),
    ],
)
def test_project_slug(value: str, accepted: bool) -> None:
    """project_slug: lowercase words joined by single dashes, starting with a letter."""
    assert (check("project_slug_error", value) == "") is accepted


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("acme_orders", ""),
        ("billing2", ""),
        ("Acme", "lowercase Python identifier"),
        ("acme-orders", "lowercase Python identifier"),
        ("2fast", "lowercase Python identifier"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("email", "standard library"),
        ("logging", "standard library"),
        ("fastapi", "depends on"),
        ("tests", "depends on"),
    ],
)
def test_package_name(value: str, reason: str) -> None:
    """package_name: identifier, not a keyword, stdlib module or dependency."""
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
        ("spaces in@example.org", False),
    ],
)
def test_author_email(value: str, accepted: bool) -> None:
    """author_email: one address with a dotted domain."""
    assert (check("email_error", value) == "") is accepted


@pytest.mark.parametrize(
    ("name", "slug", "package"),
    [
        ("Acme Orders", "acme-orders", "acme_orders"),
        ("  Billing -- API v2 ", "billing-api-v2", "billing_api_v2"),
        ("2048 Game", "game", "game"),
        ("Email", "email", "email_service"),
        ("Class", "class", "class_service"),
        ("FastAPI", "fastapi", "fastapi_service"),
    ],
)
def test_derived_defaults_are_valid(name: str, slug: str, package: str) -> None:
    """Defaults derived from project_name pass their own validators (Copier does not check)."""
    assert check("default_slug", name) == slug
    assert check("default_package", slug) == package
    assert check("project_slug_error", slug) == ""
    assert check("package_name_error", package) == ""
