"""Probes: /healthz (the process answers) and /readyz (the database and its schema too)."""

from functools import partial
from typing import Final

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response, status

from .deps import DatabaseDep
from .schema import Readiness, SchemaGuard

__all__ = ["READINESS_DEADLINE_SECONDS", "READINESS_WAIT_SECONDS", "router"]

# /readyz answers within 2 s even when the database hangs (the probes allow 3 s).
READINESS_WAIT_SECONDS: Final = 1.0
READINESS_DEADLINE_SECONDS: Final = 1.5

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers; no dependency is checked."""
    return {"status": "ok"}


@router.get(
    "/readyz", responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Not ready"}}
)
async def readyz(database: DatabaseDep, request: Request, response: Response) -> dict[str, str]:
    """Readiness: 200 when the database answers with the schema this code expects, else 503.

    Why it is not ready (unreachable, or `migrate` not run) goes to the log only.
    The check runs in a worker thread and waits at most READINESS_WAIT_SECONDS
    for a pool connection; should the server hang after that, the probe still
    answers 503 at READINESS_DEADLINE_SECONDS and the thread finishes (and
    returns its connection) when the server's statement timeout, the pool's
    watchdog (PostgreSQL) or the socket ends it.
    """
    guard = getattr(request.app.state, "schema_guard", None)
    if not isinstance(guard, SchemaGuard):
        raise RuntimeError("no schema guard on the app: build it with create_app()")
    readiness: Readiness = "unavailable"
    with anyio.move_on_after(READINESS_DEADLINE_SECONDS):
        readiness = await anyio.to_thread.run_sync(
            partial(guard.readiness, database, wait_seconds=READINESS_WAIT_SECONDS),
            abandon_on_cancel=True,
        )
    if readiness == "ready":
        return {"status": "ready"}
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "unavailable"}
