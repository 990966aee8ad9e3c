"""`python -m <package> migrate`: apply the SQL files of migrations/<dialect>/ in order.

The files ship inside the package (so an installed wheel carries them) and
each one is applied in its own transaction together with its row in
`schema_migrations`, which also records a SHA-256 so an edited, already
applied file is refused rather than silently skipped. Migrations run with
MIGRATION_DATABASE_URL (the schema owner); the service's own DATABASE_URL
role cannot run DDL on PostgreSQL.
"""

import hashlib
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import LiteralString, cast

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .db import Connection, Database, DatabaseUrlError, Dialect, open_database

__all__ = ["Migration", "MigrationError", "apply_migrations", "load_migrations", "migrate_command"]

_FILE_NAME = re.compile(r"(?P<version>\d{4})_[a-z0-9_]+\.sql")
_LOCK_KEY = 0x6D6967726174  # any constant: one migrator at a time per PostgreSQL database
_SECRETS_DIR = Path("/run/secrets")  # where containers mount secrets, one file per variable


class MigrationError(RuntimeError):
    """The migrations on disk and the ones recorded in the database disagree."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file: `0001_initial.sql` has version `0001`."""

    version: str
    name: str
    sql: str
    checksum: str


class MigrationSettings(BaseSettings):
    """Where to migrate: the owner URL, or the service's URL on SQLite.

    Read like the service's settings: the environment, `.env`, then one file per
    variable in the container secrets directory (`/run/secrets/migration_database_url`).
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    migration_database_url: SecretStr | None = None
    database_url: SecretStr | None = None

    def url(self) -> str:
        """The URL to migrate, or a clear error naming the missing variable."""
        if self.migration_database_url is not None:
            return self.migration_database_url.get_secret_value()
        if self.database_url is not None:
            url = self.database_url.get_secret_value()
            if url.startswith("sqlite:"):
                return url
            raise DatabaseUrlError(
                "MIGRATION_DATABASE_URL is not set: on PostgreSQL, migrations run as the "
                "schema owner, not as the service's DATABASE_URL role"
            )
        raise DatabaseUrlError("MIGRATION_DATABASE_URL (or DATABASE_URL for SQLite) is not set")


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
    """Apply every migration not yet recorded; return the names applied now."""
    migrations = load_migrations(database.dialect)
    with database.transaction() as connection:
        _lock(database, connection)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        )
        recorded = {
            row["version"]: row["checksum"]
            for row in connection.fetch_all("SELECT version, checksum FROM schema_migrations")
        }
    _check_history(migrations, recorded)
    applied: list[str] = []
    for migration in migrations:
        if migration.version in recorded:
            continue
        with database.transaction() as connection:
            _lock(database, connection)
            done = connection.fetch_one(
                "SELECT version FROM schema_migrations WHERE version = :version",
                {"version": migration.version},
            )
            if done is not None:  # another migrator got here first
                continue
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
        applied.append(migration.name)
    return applied


def migrate_command(args: Sequence[str]) -> int:
    """Run `migrate` from the command line; return the process exit status."""
    if args:
        print("usage: python -m <package> migrate   (takes no arguments)", file=sys.stderr)
        return 2
    secrets_dir = _SECRETS_DIR if _SECRETS_DIR.is_dir() else None
    try:
        settings = MigrationSettings(_secrets_dir=secrets_dir)  # pyright: ignore[reportCallIssue] - a BaseSettings option pyright cannot see
        database = open_database(settings.url(), create=True)
        applied = apply_migrations(database)
    except (DatabaseUrlError, MigrationError) as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("migrations: already up to date")
    return 0


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
