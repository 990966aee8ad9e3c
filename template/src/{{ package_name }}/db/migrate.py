"""Apply the SQL files of migrations/<dialect>/ in order (`python -m <package> migrate`).

The files ship inside the package (so an installed wheel carries them) and
each one is applied in its own transaction together with its row in
`schema_migrations`, which also records a SHA-256 so an edited, already
applied file is refused rather than silently skipped. Migrations run with
MIGRATION_DATABASE_URL (the schema owner); the service's own DATABASE_URL
role cannot run DDL on PostgreSQL.
"""

import hashlib
import re
import time
from dataclasses import dataclass
from importlib.resources import files
from typing import LiteralString, cast

from .connection import Connection, Database
from .url import Dialect

__all__ = ["Migration", "MigrationError", "apply_migrations", "load_migrations"]

_FILE_NAME = re.compile(r"(?P<version>\d{4})_[a-z0-9_]+\.sql")
_LOCK_KEY = 0x6D6967726174  # any constant: one migrator at a time per PostgreSQL database


class MigrationError(RuntimeError):
    """The migrations on disk and the ones recorded in the database disagree."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file: `0001_initial.sql` has version `0001`."""

    version: str
    name: str
    sql: str
    checksum: str


def load_migrations(dialect: Dialect) -> list[Migration]:
    """Read the packaged migrations for one dialect, sorted by version."""
    folder = files(__package__ or __name__).joinpath("migrations", dialect)
    migrations: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.fullmatch(entry.name)
        if match is None:
            raise MigrationError(f"{entry.name}: name it NNNN_lowercase_words.sql")
        data = entry.read_bytes()
        migrations.append(
            Migration(
                version=match["version"],
                name=entry.name,
                sql=data.decode("utf-8"),
                checksum=hashlib.sha256(data).hexdigest(),
            )
        )
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two {dialect} migrations share a version number")
    return migrations


def apply_migrations(database: Database) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    A statement the database refuses (say, a role that may not change the
    schema) stops with `MigrationError`; that migration's transaction is rolled back.
    """
    migrations = load_migrations(database.dialect)
    try:
        recorded = _recorded(database)
    except database.errors as error:
        raise MigrationError(
            f"cannot read schema_migrations ({_first_line(error)}): "
            "is MIGRATION_DATABASE_URL the schema owner's URL?"
        ) from None
    _check_history(migrations, recorded)
    applied: list[str] = []
    for migration in migrations:
        if migration.version in recorded:
            continue
        try:
            if _apply(database, migration):
                applied.append(migration.name)
        except database.errors as error:
            raise MigrationError(
                f"{migration.name} failed and was rolled back: {_first_line(error)}"
            ) from None
    return applied


def _recorded(database: Database) -> dict[str, str]:
    """Create `schema_migrations` if needed; return version -> checksum of what it records."""
    with database.transaction() as connection:
        _lock(database, connection)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        )
        return {
            row["version"]: row["checksum"]
            for row in connection.fetch_all("SELECT version, checksum FROM schema_migrations")
        }


def _apply(database: Database, migration: Migration) -> bool:
    """Apply one migration with its record; False if another migrator got there first."""
    with database.transaction() as connection:
        _lock(database, connection)
        done = connection.fetch_one(
            "SELECT version FROM schema_migrations WHERE version = :version",
            {"version": migration.version},
        )
        if done is not None:
            return False
        # The files ship inside the package and are trusted like its source code.
        connection.execute_script(cast("LiteralString", migration.sql))
        connection.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
            " VALUES (:version, :name, :checksum, :applied_at)",
            {
                "version": migration.version,
                "name": migration.name,
                "checksum": migration.checksum,
                "applied_at": int(time.time()),
            },
        )
    return True


def _first_line(error: Exception) -> str:
    """The driver's first line (what was refused), without DETAIL lines that may quote data."""
    line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def _lock(database: Database, connection: Connection) -> None:
    """Serialize concurrent migrators (SQLite's BEGIN IMMEDIATE already does)."""
    if database.dialect == "postgresql":
        connection.execute("SELECT pg_advisory_xact_lock(:key)", {"key": _LOCK_KEY})


def _check_history(migrations: list[Migration], recorded: dict[str, str]) -> None:
    known = {migration.version: migration for migration in migrations}
    for version, checksum in sorted(recorded.items()):
        migration = known.get(version)
        if migration is None:
            raise MigrationError(
                f"the database has migration {version}, which this code does not ship; "
                "is an older release running against a newer schema?"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"{migration.name} changed after it was applied; add a new migration instead"
            )
