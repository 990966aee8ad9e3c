"""Error bodies: a stable `error` code and the request id, never input or internals."""

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .hash_gate import HashingBusyError
from .request_context import request_id_var
from .throttle import ThrottledError

__all__ = [
    "busy_handler",
    "error_body",
    "error_response",
    "http_exception_handler",
    "throttled_handler",
    "validation_exception_handler",
]

_LOC_TEXT_LIMIT = 64
_ERROR_CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")


def error_body(error: str) -> dict[str, Any]:
    """The shape every error response shares."""
    return {"error": error, "request_id": request_id_var.get()}


def error_response(
    status_code: int, error: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A ready ASGI response with the shared error body (for middleware that refuses)."""
    return JSONResponse(error_body(error), status_code, headers=headers)


async def http_exception_handler(request: Request, exc: HTTPException) -> JSONResponse:
    """Our own codes pass through (`not_found`); framework phrases become codes too."""
    code = str(exc.detail)  # FastAPI's HTTPException allows any detail, not only str
    if not _ERROR_CODE.fullmatch(code):
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse(error_body(code), exc.status_code, headers=exc.headers)


async def validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    """422 naming each bad field and why, without echoing what was sent."""
    fields = [
        {"loc": _location(error), "msg": str(error["msg"]), "type": str(error["type"])}
        for error in exc.errors()
    ]
    return JSONResponse({**error_body("validation_error"), "fields": fields}, 422)


def _location(error: Any) -> list[str | int]:
    """Where the error is; an unexpected key's own name is dropped (it is input too)."""
    location = list(error["loc"])
    if error["type"] == "extra_forbidden":
        location = location[:-1]
    return [part if isinstance(part, int) else str(part)[:_LOC_TEXT_LIMIT] for part in location]


async def throttled_handler(request: Request, exc: Exception) -> JSONResponse:
    """429 with Retry-After: too many recent attempts (the throttle's counts)."""
    retry_after = exc.retry_after if isinstance(exc, ThrottledError) else 1
    headers = {"Retry-After": str(retry_after)}
    return JSONResponse(error_body("too_many_attempts"), 429, headers=headers)


async def busy_handler(request: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After: every password-hashing place stayed taken."""
    retry_after = exc.retry_after if isinstance(exc, HashingBusyError) else 1
    headers = {"Retry-After": str(retry_after)}
    return JSONResponse(error_body("server_busy"), 503, headers=headers)
