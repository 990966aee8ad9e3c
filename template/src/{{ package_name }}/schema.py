"""Is the database's schema the one this code expects? Readiness and the error path ask.

Before `migrate` has run (or after a release that ships a new migration), the
tables or columns the queries use are missing. That is an operator's step, not
a bug: `/readyz` answers 503, a request that hits the gap answers a generic
503 instead of a 500 with a traceback, and the log says which command fixes it,
at most once a minute so a probe flood does not flood the log.
"""

import logging
import sqlite3
import threading
import time
from functools import lru_cache
from typing import Final, Literal

from .db import Database, DatabaseMissingError, Dialect
from .db.migrate import load_migrations

__all__ = ["Readiness", "SchemaGuard"]

Readiness = Literal["ready", "not_migrated", "unavailable"]

_logger = logging.getLogger(__name__)
_WARNING_INTERVAL_SECONDS: Final = 60.0
# PostgreSQL's SQLSTATEs for "undefined table" and "undefined column".
_MISSING_OBJECT_STATES: Final = frozenset({"42P01", "42703"})
_INSUFFICIENT_PRIVILEGE: Final = "42501"  # on schema_migrations: its grant's migration is not run
_SQLITE_MISSING_OBJECT: Final = ("no such table", "no such column", "has no column named")
_COMMAND: Final = f"python -m {(__package__ or __name__).partition('.')[0]} migrate"


class SchemaGuard:
    """One per app: tells schema errors from others and rate-limits the hint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_warning = float("-inf")

    def readiness(self, database: Database, *, wait_seconds: float | None = None) -> Readiness:
        """Ready when every shipped migration is recorded; the reason goes to the log only.

        `wait_seconds` bounds the wait for a pooled connection (probes must answer fast).
        """
        try:
            with database.transaction(wait_seconds=wait_seconds) as connection:
                rows = connection.fetch_all("SELECT version FROM schema_migrations")
        except Exception as error:  # noqa: BLE001 - readiness reports any failure as "not ready"
            if self.explains(error, reading_versions=True):
                return "not_migrated"
            _logger.warning("database ping failed: %s", type(error).__name__)
            return "unavailable"
        if _expected_versions(database.dialect) - {str(row["version"]) for row in rows}:
            self.warn()
            return "not_migrated"
        return "ready"

    def explains(self, error: BaseException, *, reading_versions: bool = False) -> bool:
        """True (and the hint logged) when `error` means the schema is missing or behind."""
        sqlstate = getattr(error, "sqlstate", None)
        states = _MISSING_OBJECT_STATES
        if reading_versions:
            states = states | {_INSUFFICIENT_PRIVILEGE}
        if isinstance(sqlstate, str) and sqlstate in states:
            self.warn()
            return True
        if isinstance(error, DatabaseMissingError):
            self.warn(" (it creates the SQLite file)")
            return True
        if isinstance(error, sqlite3.OperationalError) and str(error).startswith(
            _SQLITE_MISSING_OBJECT
        ):
            self.warn()
            return True
        return False

    def warn(self, detail: str = "") -> None:
        """Log the fix, at most once per interval for this app."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_warning < _WARNING_INTERVAL_SECONDS:
                return
            self._last_warning = now
        _logger.warning("schema not migrated: run `%s`%s", _COMMAND, detail)


@lru_cache(maxsize=2)
def _expected_versions(dialect: Dialect) -> frozenset[str]:
    return frozenset(migration.version for migration in load_migrations(dialect))
