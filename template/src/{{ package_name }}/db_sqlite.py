"""The SQLite backend (stdlib sqlite3) behind `open_database("sqlite:///path")`."""

import os
import sqlite3
from collections.abc import Iterator, KeysView, Mapping
from pathlib import Path
from typing import Any, ClassVar, LiteralString, cast
from urllib.parse import quote

from .db import Connection, Database, DatabaseUrlError
from .sql_params import compile_for_sqlite

__all__ = ["SqliteRow", "split_statements", "sqlite_database"]

_PREFIX = "sqlite:///"
_BUSY_TIMEOUT_SECONDS = 5.0


class SqliteRow(sqlite3.Row, Mapping[str, Any]):
    """sqlite3's fast C row made a real mapping: `keys`, `in`, iteration and `==` use names.

    A missing column raises KeyError, as it does with PostgreSQL's dict rows.
    """

    __slots__ = ()

    def keys(self) -> KeysView[str]:  # pyright: ignore[reportIncompatibleMethodOverride] - Mapping's contract wins over sqlite3.Row's list
        return KeysView(self)

    def __getitem__(self, key: str, /) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride] - by name only, as Mapping promises
        try:
            return sqlite3.Row.__getitem__(self, key)
        except IndexError:
            raise KeyError(key) from None  # a dict's error, so both backends raise the same

    def __iter__(self) -> Iterator[str]:
        return iter(sqlite3.Row.keys(self))

    def __contains__(self, key: object) -> bool:
        return key in sqlite3.Row.keys(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == dict(cast("Mapping[object, object]", other).items())

    def __repr__(self) -> str:
        return f"SqliteRow({dict(self.items())!r})"


class SqliteConnection(Connection):
    """A connection inside `BEGIN IMMEDIATE`: writers queue (busy timeout), never fail midway."""

    __slots__ = ()
    _compile = staticmethod(compile_for_sqlite)
    _compiled: ClassVar[dict[str, tuple[LiteralString, int]]] = {}
    _driver_errors = (sqlite3.ProgrammingError,)

    def execute_script(self, script: LiteralString) -> None:
        """Run each statement in turn, inside this transaction (executescript would commit)."""
        for statement in split_statements(script):
            self._raw.execute(statement, {})


def split_statements(script: LiteralString) -> list[LiteralString]:
    """Split a script after each line that completes a statement (trigger bodies stay whole)."""
    statements: list[LiteralString] = []
    current: LiteralString = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    if current.strip() and not _only_comments(current):
        statements.append(current)
    return statements


def sqlite_database(url: str, *, create: bool = False) -> Database:
    """Parse `sqlite:///relative/path` or `sqlite:////absolute/path` into a `Database`."""
    raw_path = url[len(_PREFIX) :] if url.startswith(_PREFIX) else ""
    if not raw_path or raw_path == ":memory:" or "?" in raw_path or raw_path.startswith("file:"):
        raise DatabaseUrlError(
            "a SQLite DATABASE_URL must be sqlite:///path/to/file.sqlite3 "
            "(no :memory:, since every transaction opens its own connection)"
        )
    path = Path(raw_path).resolve()
    if create:
        _create_file(path)
    uri = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"

    def begin() -> Connection:
        raw = sqlite3.connect(
            uri,
            uri=True,
            timeout=_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # we issue BEGIN ourselves
            check_same_thread=False,  # one request at a time uses it, maybe across worker threads
        )
        try:
            raw.row_factory = SqliteRow
            raw.execute("PRAGMA foreign_keys = ON")
            # WAL + NORMAL: never corrupts; a power cut may lose the last commits.
            raw.execute("PRAGMA synchronous = NORMAL")
            raw.execute("BEGIN IMMEDIATE")
        except BaseException:
            raw.close()
            raise
        return SqliteConnection(raw)

    return Database("sqlite", begin)


def _create_file(path: Path) -> None:
    """Create the file owner-only (it holds password hashes) and switch it to WAL mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA journal_mode = WAL")
    finally:
        raw.close()


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("--") for line in text.splitlines())
