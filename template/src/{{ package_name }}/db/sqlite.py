"""The SQLite backend (stdlib sqlite3) behind `open_database("sqlite:///path")`."""

import os
import sqlite3
from collections.abc import Callable, Iterator, KeysView, Mapping
from pathlib import Path
from typing import Any, ClassVar, LiteralString, cast
from urllib.parse import quote

from .connection import Connection, Database, DatabaseMissingError, DatabaseUnavailableError
from .params import compile_for_sqlite
from .url import DatabaseUrl

__all__ = ["SqliteRow", "split_statements", "sqlite_database"]

_BUSY_TIMEOUT_SECONDS = 5.0
_PACKAGE = (__package__ or "").rpartition(".")[0]  # the service's import name, for hints


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
    """A connection inside `BEGIN IMMEDIATE`: writers queue (busy timeout), never fail midway.

    `keep` takes it back when the transaction ends (the service's idle
    connections, see `sqlite_database`); without one, it is closed.
    """

    __slots__ = ("_keep",)
    _compile = staticmethod(compile_for_sqlite)
    _compiled: ClassVar[dict[str, tuple[LiteralString, int]]] = {}
    _driver_errors = (sqlite3.ProgrammingError,)

    def __init__(
        self, raw: sqlite3.Connection, keep: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        super().__init__(raw)
        self._keep = keep

    def _release(self, raw: object) -> None:
        if self._keep is None or not isinstance(raw, sqlite3.Connection) or raw.in_transaction:
            # A transaction still open means its COMMIT or ROLLBACK failed: start afresh.
            super()._release(cast("sqlite3.Connection", raw))
        else:
            self._keep(raw)

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


def sqlite_database(url: DatabaseUrl, *, create: bool = False, keep_idle: int = 0) -> Database:
    """A `Database` on the file `url` names (its rules were checked by `DatabaseUrl.parse`).

    Each transaction opens the file, unless `keep_idle` (the service: its pool
    size) lets up to that many connections wait between transactions; opening
    costs PRAGMAs, and closing the last connection checkpoints the WAL, an
    fsync. `close()` closes the idle ones, at shutdown.
    """
    path = url.sqlite_path
    if path is None:
        raise ValueError("sqlite_database needs a sqlite:/// URL")
    if create:
        _create_file(path)
    uri = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"
    idle: list[sqlite3.Connection] = []  # append and pop are atomic: no lock needed

    def keep(raw: sqlite3.Connection) -> None:
        if len(idle) < keep_idle:
            idle.append(raw)
        else:
            raw.close()

    def begin(_wait_seconds: float | None = None, autocommit: bool = False) -> Connection:
        try:
            raw = idle.pop()
        except IndexError:
            raw = _connect(uri, path)
        if not autocommit:
            try:
                raw.execute("BEGIN IMMEDIATE")
            except BaseException:
                raw.close()
                raise
        return SqliteConnection(raw, keep if keep_idle else None)

    def close() -> None:
        while idle:
            idle.pop().close()

    return Database("sqlite", begin, (sqlite3.Error,), close=close)


def _connect(uri: str, path: Path) -> sqlite3.Connection:
    """Open the file in autocommit mode with the service's PRAGMAs."""
    try:
        raw = sqlite3.connect(
            uri,
            uri=True,
            timeout=_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # we issue BEGIN ourselves
            check_same_thread=False,  # one request at a time, maybe across worker threads
        )
    except sqlite3.OperationalError:
        if not path.exists():
            raise DatabaseMissingError(_cannot_open(path)) from None
        raise DatabaseUnavailableError(_cannot_open(path)) from None
    try:
        raw.row_factory = SqliteRow
        raw.execute("PRAGMA foreign_keys = ON")
        # WAL + NORMAL: never corrupts; a power cut may lose the last commits.
        raw.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        raw.close()
        raise
    return raw


def _cannot_open(path: Path) -> str:
    """Why a SQLite file would not open, and the fix."""
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist: run migrate, which creates it"
    if not path.exists():
        return f"{path} does not exist: run `python -m {_PACKAGE} migrate` to create it"
    return f"{path} cannot be opened: check that this user may read and write it and its folder"


def _create_file(path: Path) -> None:
    """Create the file owner-only (it holds password hashes) and switch it to WAL mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise DatabaseUnavailableError(
            f"cannot create {path} ({reason}): choose a folder this user may write"
        ) from None
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA journal_mode = WAL")
    finally:
        raw.close()


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("--") for line in text.splitlines())
