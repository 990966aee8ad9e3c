"""Regular purges: expired sessions and throttle rows past their window.

Each process runs `purge_periodically` from its lifespan, so the tables stay
small even when nobody logs in. Replicas purging the same rows at once is
harmless: a DELETE of rows already gone deletes nothing.
"""

import logging
import time

import anyio
from starlette.concurrency import run_in_threadpool

from .db import Database
from .settings import Settings
from .throttle import LoginLimits, RegistrationLimits, prune_attempts

__all__ = ["purge_expired", "purge_periodically"]

_logger = logging.getLogger(__name__)


def purge_expired(database: Database, settings: Settings) -> None:
    """Delete expired sessions and throttle rows that can no longer count."""
    now = int(time.time())
    with database.transaction() as connection:
        connection.execute("DELETE FROM sessions WHERE expires_at <= :now", {"now": now})
        login = LoginLimits.from_settings(settings)
        registration = RegistrationLimits.from_settings(settings)
        prune_attempts(connection, login, registration, now=now)


async def purge_periodically(database: Database, settings: Settings) -> None:
    """Purge every PURGE_INTERVAL_SECONDS until cancelled; a failed purge is logged and retried."""
    while True:
        await anyio.sleep(settings.purge_interval_seconds)
        try:
            await run_in_threadpool(purge_expired, database, settings)
        except Exception as error:  # noqa: BLE001 - a failed purge must not stop the next one
            _logger.warning("purge failed: %s", type(error).__name__)
