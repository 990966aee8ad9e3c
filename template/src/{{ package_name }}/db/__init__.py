"""The database concern in one place: URL, connections, backends, SQL params, migrations.

Import from here (`from <package>.db import Database, open_database`); the
modules inside depend on each other in one direction only:
url, params <- connection <- sqlite / (watchdog <- postgresql) <- backends <- migrate.
"""

from .backends import open_database
from .connection import (
    Connection,
    ConnectionClosedError,
    Database,
    DatabaseMissingError,
    DatabaseUnavailableError,
    Params,
    PoolOptions,
    Row,
)
from .params import SqlParameterError
from .url import DatabaseUrl, DatabaseUrlError, Dialect

__all__ = [
    "Connection",
    "ConnectionClosedError",
    "Database",
    "DatabaseMissingError",
    "DatabaseUnavailableError",
    "DatabaseUrl",
    "DatabaseUrlError",
    "Dialect",
    "Params",
    "PoolOptions",
    "Row",
    "SqlParameterError",
    "open_database",
]
