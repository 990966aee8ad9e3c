"""A per-process limit on concurrent password hashing.

Each argon2id computation takes 64 MiB and a core for tens of milliseconds, so
a burst of logins left unbounded takes the process's memory and every other
request's latency with it. The gate admits at most `concurrency` computations
at once; a request that cannot get a place within `wait_seconds` is refused
with 503 and `Retry-After` instead of queueing without end. Waiting happens on
the event loop, not in a worker thread, so waiters never starve the thread
pool that database reads use.
"""

import math
from collections.abc import Callable
from typing import Final, TypeVar, TypeVarTuple

import anyio
import anyio.to_thread

__all__ = ["HashGate", "HashingBusyError"]

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")
RETRY_AFTER_SECONDS: Final = 1


class HashingBusyError(Exception):
    """Every hashing place stayed taken for the whole wait: the caller answers 503."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("password hashing is at capacity")
        self.retry_after = retry_after


class HashGate:
    """At most `concurrency` password hashes at once; others wait up to `wait_seconds`."""

    def __init__(self, *, concurrency: int, wait_seconds: float) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self._places = anyio.Semaphore(concurrency)
        # Hashing threads come from their own limiter, not the default pool's 40 tokens.
        self._threads = anyio.CapacityLimiter(concurrency)

    async def acquire(self) -> None:
        """Take a place, waiting at most `wait_seconds`; `HashingBusyError` if none came."""
        try:
            with anyio.fail_after(self.wait_seconds):
                await self._places.acquire()
        except TimeoutError:
            retry_after = max(RETRY_AFTER_SECONDS, math.ceil(self.wait_seconds))
            raise HashingBusyError(retry_after) from None

    def release(self) -> None:
        """Give a place back."""
        self._places.release()

    async def run(self, work: Callable[[*_Args], _T], *args: *_Args) -> _T:
        """Run `work(*args)` (a hash or a verify) in a worker thread once a place is free."""
        await self.acquire()
        try:
            return await anyio.to_thread.run_sync(work, *args, limiter=self._threads)
        finally:
            self.release()
