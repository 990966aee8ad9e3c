"""The database URL, parsed and judged once: settings build it, `open_database` and migrate use it.

A `DatabaseUrl` keeps the text (which may hold a password) out of `repr`, `str`
and logs; only the backend that connects reads it, through `get_secret_value`.
Every error names the rule that was broken and never the URL.
"""

import importlib.util
import re
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

__all__ = ["DatabaseUrl", "DatabaseUrlError", "Dialect"]

Dialect = Literal["sqlite", "postgresql"]

_SQLITE_PREFIX: Final = "sqlite:///"
_POSTGRESQL_SCHEMES: Final = ("postgresql", "postgres")
_MASK: Final = "**********"
_OPTION: Final = re.compile(r"[a-z_]+=[^=]*")
SUPPORTED: Final = "must be a sqlite:///path/to/file.sqlite3 or postgresql:// URL"
# Options whose values libpq checks only when it connects (the PostgreSQL docs,
# "Parameter Key Words"): judged here so a typo stops start-up instead.
_LIBPQ_CHOICES: Final = {
    "sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
    "target_session_attrs": (
        "any",
        "read-write",
        "read-only",
        "primary",
        "standby",
        "prefer-standby",
    ),
    "gssencmode": ("disable", "prefer", "require"),
    "channel_binding": ("disable", "prefer", "require"),
}


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message never contains the URL itself."""


class DatabaseUrl:
    """A checked `sqlite:///path` or `postgresql://...` URL that never prints its text."""

    __slots__ = ("_text", "dialect", "sqlite_path")

    def __init__(self, text: str, dialect: Dialect, sqlite_path: Path | None) -> None:
        self._text = text
        self.dialect: Dialect = dialect
        self.sqlite_path = sqlite_path  # the file, for SQLite; None for PostgreSQL

    @classmethod
    def parse(cls, text: str) -> "DatabaseUrl":
        """Judge `text`; raise `DatabaseUrlError` naming the broken rule."""
        if not text:
            raise DatabaseUrlError(SUPPORTED)
        if any(character.isspace() for character in text):
            raise DatabaseUrlError("must not contain spaces or line breaks")
        scheme = text.partition("://")[0].lower()
        if scheme == "sqlite":
            return cls(text, "sqlite", _sqlite_path(text))
        if scheme in _POSTGRESQL_SCHEMES:
            _check_postgresql(text)
            return cls(text, "postgresql", None)
        raise DatabaseUrlError(SUPPORTED)

    def get_secret_value(self) -> str:
        """The URL as given, password included: for the driver only."""
        return self._text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __repr__(self) -> str:
        return f"DatabaseUrl({self.dialect!r}, {_MASK!r})"

    def __str__(self) -> str:
        return _MASK


def _sqlite_path(text: str) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` as a resolved file path."""
    raw_path = text[len(_SQLITE_PREFIX) :] if text.startswith(_SQLITE_PREFIX) else ""
    if not raw_path:
        raise DatabaseUrlError("must name a database file after sqlite:///, e.g. data/app.sqlite3")
    if raw_path == ":memory:" or raw_path.startswith("file:") or "?" in raw_path:
        raise DatabaseUrlError(
            "must be sqlite:///path/to/file.sqlite3: no :memory:, file: or ?options, "
            "since every transaction opens its own connection"
        )
    return Path(raw_path).resolve()


def _check_postgresql(text: str) -> None:
    """A URL psycopg can read, in a project that has the PostgreSQL backend."""
    if importlib.util.find_spec(f"{__package__}.postgresql") is None:
        raise DatabaseUrlError(
            "uses postgresql:// but this project was generated for SQLite (no PostgreSQL backend)"
        )
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise DatabaseUrlError(
            "is not a valid postgresql:// URL (check the host and port)"
        ) from None
    for option in filter(None, parts.query.split("&")):
        if _OPTION.fullmatch(option) is None:
            raise DatabaseUrlError("has a query option that is not name=value (?sslmode=require)")
    if "/" in parts.path.lstrip("/"):
        raise DatabaseUrlError("must name one database after the host (postgresql://host/name)")
    options = _libpq_options(text)
    for name, allowed in _LIBPQ_CHOICES.items():
        value = options.get(name)
        if value is not None and str(value) not in allowed:
            choices = "|".join(allowed)
            raise DatabaseUrlError(f"has a ?{name}= value libpq does not know: use {choices}")
    timeout = options.get("connect_timeout")
    if timeout is not None and not str(timeout).isdigit():
        raise DatabaseUrlError("has ?connect_timeout= that is not a whole number of seconds")


def _libpq_options(text: str) -> dict[str, object]:
    """The URL's options as libpq reads them (psycopg's parser, loaded only for PostgreSQL URLs).

    It refuses what `urlsplit` lets through: an unknown ?option, a bad %-escape.
    """
    driver = importlib.import_module("psycopg")
    conninfo = importlib.import_module("psycopg.conninfo")
    try:
        options: dict[str, object] = conninfo.conninfo_to_dict(text)
    except driver.ProgrammingError:
        # `from None`: the driver's message quotes the URL, which may hold a password.
        raise DatabaseUrlError(
            "is not a URL libpq can read: an unknown ?option or a bad %-escape"
        ) from None
    return options
