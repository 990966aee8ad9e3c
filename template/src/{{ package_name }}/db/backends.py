"""`open_database`: the backend for a `DatabaseUrl`, loaded only when it is used."""

import importlib
from collections.abc import Callable
from types import ModuleType

from .connection import Database, PoolOptions
from .url import DatabaseUrl, DatabaseUrlError

__all__ = ["open_database"]


def open_database(
    url: DatabaseUrl | str, *, create: bool = False, pool: PoolOptions | None = None
) -> Database:
    """Return a `Database` for a `sqlite:///path` or `postgresql://...` URL.

    A string is judged by `DatabaseUrl.parse`, the same rules the settings use.
    Nothing connects yet, except that `pool` (the service, on PostgreSQL) opens
    a connection pool that connects in the background; call `close()` at
    shutdown. On SQLite, `pool` keeps up to `max_size` connections open
    between transactions (otherwise each transaction opens the file itself).
    `create=True` (migrations only, never pooled) lets SQLite create the file;
    the service itself never creates an empty database by accident.
    """
    if isinstance(url, str):
        url = DatabaseUrl.parse(url)
    if url.dialect == "sqlite":
        from .sqlite import sqlite_database

        keep_idle = 0 if pool is None or create else pool.max_size
        return sqlite_database(url, create=create, keep_idle=keep_idle)
    module = _postgresql_module()
    if pool is None or create:
        plain: Callable[[DatabaseUrl], Database] = module.postgresql_database
        return plain(url)
    pooled: Callable[[DatabaseUrl, PoolOptions], Database] = module.pooled_postgresql_database
    return pooled(url, pool)


def _postgresql_module() -> ModuleType:
    """Load the PostgreSQL backend, which exists only in projects generated for it.

    A dynamic import keeps pyright clean in SQLite projects, where neither the
    module nor psycopg is installed.
    """
    try:
        return importlib.import_module(".postgresql", __package__)
    except ModuleNotFoundError as error:
        if error.name == f"{__package__}.postgresql":
            raise DatabaseUrlError(
                "this project was generated for SQLite; it has no PostgreSQL backend"
            ) from None
        raise DatabaseUrlError("psycopg is not installed: run `uv sync --locked`") from None
