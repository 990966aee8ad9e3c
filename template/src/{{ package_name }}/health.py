"""Probes: /healthz (the process answers) and /readyz (the database and its schema too)."""

from fastapi import APIRouter, Request, Response, status

from .deps import DatabaseDep
from .schema import SchemaGuard

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers; no dependency is checked."""
    return {"status": "ok"}


@router.get(
    "/readyz", responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Not ready"}}
)
def readyz(database: DatabaseDep, request: Request, response: Response) -> dict[str, str]:
    """Readiness: 200 when the database answers with the schema this code expects, else 503.

    Why it is not ready (unreachable, or `migrate` not run) goes to the log only.
    """
    guard = getattr(request.app.state, "schema_guard", None)
    if not isinstance(guard, SchemaGuard):
        raise RuntimeError("no schema guard on the app: build it with create_app()")
    if guard.readiness(database) == "ready":
        return {"status": "ready"}
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "unavailable"}
