"""Probes: /healthz (the process answers) and /readyz (the database answers too)."""

from fastapi import APIRouter, Response, status

from .deps import DatabaseDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers; no dependency is checked."""
    return {"status": "ok"}


@router.get(
    "/readyz", responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Not ready"}}
)
def readyz(database: DatabaseDep, response: Response) -> dict[str, str]:
    """Readiness: 200 when a trivial query succeeds, else 503 (details only in the log)."""
    if database.ping():
        return {"status": "ready"}
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "unavailable"}
