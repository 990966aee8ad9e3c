"""Connections and transactions: one transaction per `with`, parameterized SQL only.

`sql` is typed `LiteralString`, so pyright rejects f-strings, `%`-formatting and
concatenation with runtime text: values travel only as `:name` params, and
identifiers are never built at runtime. Queries are logged at DEBUG as SQL
text only; params (which may hold secrets) never reach the log.
"""

import logging
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, LiteralString, Protocol, Self

from .params import Compiler, raise_mismatch
from .url import Dialect

__all__ = [
    "Connection",
    "ConnectionClosedError",
    "Database",
    "DatabaseMissingError",
    "DatabaseUnavailableError",
    "Params",
    "PoolOptions",
    "Row",
]

Row = Mapping[str, Any]
Params = Mapping[str, object]

_logger = logging.getLogger(__name__)
_NO_PARAMS: Params = {}  # shared but never mutated: drivers only read params
_CACHE_LIMIT = 1024


class DatabaseUnavailableError(RuntimeError):
    """No connection could be made (down, refused, missing, wrong password); the message is safe.

    Backends raise it in place of the driver's error, whose text may quote the
    URL: it names the problem and its fix, never a password.
    """


class DatabaseMissingError(DatabaseUnavailableError):
    """The SQLite file (or its folder) does not exist yet: `migrate` creates it."""


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """How the service shares its database connections.

    On PostgreSQL `min_size` connections are kept open, at most `max_size`
    exist, a transaction waits `timeout_seconds` for a free one, and the server
    cancels any statement running longer than `statement_timeout_seconds` (a
    server that never answers has the connection cut a second later). On
    SQLite only `max_size` applies: how many connections wait between
    transactions (more may be open at once; writers queue on the file's lock).
    """

    min_size: int = 1
    max_size: int = 10
    timeout_seconds: float = 3.0
    statement_timeout_seconds: float = 15.0


class ConnectionClosedError(RuntimeError):
    """A connection was used after its transaction ended."""


class DriverCursor(Protocol):
    """The part of a DB-API cursor this module uses (sqlite3 and psycopg agree)."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class DriverConnection(Protocol):
    """The part of a DB-API connection this module uses."""

    def execute(self, sql: LiteralString, params: Params, /) -> DriverCursor: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class Connection:
    """One transaction's connection: `execute`, `fetch_one`, `fetch_all`.

    `sql` uses `:name` placeholders and `params` must name exactly those, or
    `SqlParameterError` is raised before anything runs. Every call compares the
    number of params with the number of names (cheap); a wrong name with the
    right count is refused by the driver itself before it sends the query, and
    that error is re-raised here as `SqlParameterError`. Subclasses (one per
    driver) set `_compile`, `_driver_errors` and `execute_script`.
    """

    __slots__ = ("_execute", "_fast_params", "_raw", "_trace")
    _compile: ClassVar[Compiler]
    # SQL text -> (driver's SQL, number of names): plain tuples unpack fastest.
    _compiled: ClassVar[dict[str, tuple[LiteralString, int]]]
    _driver_errors: ClassVar[tuple[type[Exception], ...]]

    def __init__(self, raw: DriverConnection) -> None:
        self._raw = raw
        self._execute = raw.execute
        self._trace = _logger.isEnabledFor(logging.DEBUG)
        # Plain dicts skip the slow path, unless tracing sends every call through it.
        self._fast_params: type = _NeverFast if self._trace else dict

    def execute(self, sql: LiteralString, params: Params = _NO_PARAMS) -> int:
        """Run one statement; return the number of rows it changed (-1 if unknown)."""
        return self._cursor(sql, params).rowcount

    def fetch_one(self, sql: LiteralString, params: Params = _NO_PARAMS) -> Row | None:
        """Run a query and return its first row as a mapping, or None."""
        # The hot path, so _cursor() is repeated inline (see benchmarks/bench_db.py).
        try:
            driver_sql, size = self._compiled[sql]
        except KeyError:
            driver_sql, size = self._compile_and_cache(sql)
        if len(params) != size or params.__class__ is not self._fast_params:
            params = self._checked(sql, params)
        try:
            row: Row | None = self._execute(driver_sql, params).fetchone()
        except self._driver_errors:
            self._check_names(sql, params)
            raise
        return row

    def fetch_all(self, sql: LiteralString, params: Params = _NO_PARAMS) -> list[Row]:
        """Run a query and return all its rows as mappings."""
        rows: list[Row] = self._cursor(sql, params).fetchall()
        return rows

    def execute_script(self, script: LiteralString) -> None:
        """Run several `;`-separated statements without params (migrations only)."""
        raise NotImplementedError

    def _cursor(self, sql: LiteralString, params: Params) -> DriverCursor:
        try:
            driver_sql, size = self._compiled[sql]
        except KeyError:
            driver_sql, size = self._compile_and_cache(sql)
        if len(params) != size or params.__class__ is not self._fast_params:
            params = self._checked(sql, params)
        try:
            return self._execute(driver_sql, params)
        except self._driver_errors:
            self._check_names(sql, params)
            raise

    def _checked(self, sql: LiteralString, params: Params) -> dict[str, object]:
        """The slow path: exact name check, DEBUG trace, and a plain dict for the driver."""
        self._check_names(sql, params)
        if self._trace:
            _logger.debug("sql: %s", sql)
        return dict(params)  # sqlite3 would read any other mapping as a sequence

    def _check_names(self, sql: LiteralString, params: Params) -> None:
        names = type(self)._compile(sql).names
        if params.keys() != names:
            raise_mismatch(sql, names, params)

    def _compile_and_cache(self, sql: LiteralString) -> tuple[LiteralString, int]:
        compiled = type(self)._compile(sql)
        if len(self._compiled) >= _CACHE_LIMIT:
            self._compiled.clear()
        entry = self._compiled[sql] = (compiled.sql, compiled.size)
        return entry

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        """Commit if the block succeeded, else roll back; close the connection either way."""
        raw, self._raw, self._execute = self._raw, _CLOSED, _CLOSED.execute
        try:
            if error_type is None:
                raw.commit()
            else:
                raw.rollback()
        finally:
            self._release(raw)

    def _release(self, raw: DriverConnection) -> None:
        """End the driver connection: closed here; a pooled backend returns it to its pool."""
        raw.close()


class _NeverFast:
    """No params are of this type: with DEBUG tracing on, every call takes the slow path."""


class _ClosedConnection:
    """Stands in for a finished transaction's driver connection."""

    def execute(self, sql: LiteralString, params: Params, /) -> DriverCursor:
        raise ConnectionClosedError(
            "this connection's transaction has ended; open a new one with Database.transaction()"
        )

    def commit(self) -> None:
        raise ConnectionClosedError("this connection's transaction has already ended")

    rollback = commit

    def close(self) -> None:
        """Closing twice is harmless."""


_CLOSED = _ClosedConnection()


def _nothing_to_close() -> None:
    """A database without a pool holds nothing between transactions."""


class Database:
    """Where the data lives; every `transaction()` takes a connection and gives it back.

    `begin(wait_seconds, autocommit)` makes that connection; `wait_seconds`
    bounds how long a pooled backend waits for a free one (None: its own
    timeout), and `autocommit` asks for one whose statements each commit on
    their own (`autocommit()`). `outages`
    are the driver's errors that mean the server cannot serve now (the app
    answers them 503 with Retry-After); `close` releases what the backend holds
    (the pool), once, at shutdown.
    """

    def __init__(
        self,
        dialect: Dialect,
        begin: Callable[[float | None, bool], Connection],
        errors: tuple[type[Exception], ...],
        *,
        outages: tuple[type[Exception], ...] = (),
        close: Callable[[], None] = _nothing_to_close,
    ) -> None:
        self.dialect: Dialect = dialect
        self._begin = begin
        self.errors = errors  # the driver's base error classes, for callers that report them
        self.outages: tuple[type[Exception], ...] = (DatabaseUnavailableError, *outages)
        self._close = close

    @contextmanager
    def transaction(self, *, wait_seconds: float | None = None) -> Generator[Connection]:
        """Yield a connection; commit if the block succeeds, roll back if it raises."""
        with self._begin(wait_seconds, False) as connection:
            yield connection

    @contextmanager
    def autocommit(self, *, wait_seconds: float | None = None) -> Generator[Connection]:
        """Yield a connection on which each statement commits on its own: for one-statement reads.

        A single SELECT is atomic by itself, so wrapping it in a transaction
        only costs: two more round trips on PostgreSQL (BEGIN, COMMIT), and on
        SQLite the write lock that `transaction()` takes up front. Several
        statements here do not share a snapshot: use `transaction()` for those.
        """
        with self._begin(wait_seconds, True) as connection:
            yield connection

    def close(self) -> None:
        """Release the backend's connections (the pool's); transactions fail afterwards."""
        self._close()

    def ping(self, *, wait_seconds: float | None = None) -> bool:
        """True when a trivial query succeeds; failures are logged without details."""
        try:
            with self.autocommit(wait_seconds=wait_seconds) as connection:
                return connection.fetch_one("SELECT 1 AS ok") is not None
        except Exception as error:  # noqa: BLE001 - readiness reports any failure as "not ready"
            _logger.warning("database ping failed: %s", type(error).__name__)
            return False
