"""A per-process limit on concurrent password hashing.

Each argon2id computation takes 64 MiB and a core for tens of milliseconds, so
a burst of logins left unbounded takes the process's memory and every other
request's latency with it. The gate admits at most `concurrency` computations
at once; a request that cannot get a place within `wait_seconds` is refused
with 503 and `Retry-After` instead of queueing without end. Waiting happens on
the event loop, not in a worker thread, so waiters never starve the thread
pool that database reads use.

The hashes run on the gate's own threads, at a lower CPU priority on Linux
(argon2's lane threads inherit it): under a login flood the event loop and
the database reads still get the CPU first.
"""

import asyncio
import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar, TypeVarTuple

import anyio

__all__ = ["HashGate", "HashingBusyError"]

_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")
RETRY_AFTER_SECONDS: Final = 1
_NICENESS: Final = 10  # lowering one's own priority needs no privilege
_LOWEST: Final = 19


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
        # Its own threads, never the default pool's: those serve database reads.
        self._threads = ThreadPoolExecutor(
            max_workers=concurrency,
            thread_name_prefix="password-hash",
            initializer=_lower_this_threads_priority,
        )

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
        """Run `work(*args)` (a hash or a verify) on a hashing thread once a place is free."""
        await self.acquire()
        try:
            return await asyncio.wrap_future(self._threads.submit(work, *args))
        finally:
            self.release()

    def close(self) -> None:
        """Stop the hashing threads once their current work ends (the app is shutting down)."""
        self._threads.shutdown(wait=False, cancel_futures=True)


def _lower_this_threads_priority() -> None:
    """Lower the calling thread's CPU priority; on Linux `setpriority` takes a thread id."""
    if sys.platform != "linux":
        return  # elsewhere the call would renice the whole process, or another one
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(_LOWEST, current + _NICENESS))
    except OSError:  # a sandbox may forbid it; hashing still works at normal priority
        pass
