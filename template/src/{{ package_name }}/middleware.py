"""Pure ASGI middleware: request ids, security headers, body limits, generic 500s.

Plain ASGI (not BaseHTTPMiddleware) keeps each layer to a few attribute
lookups per request; see benchmarks/bench_http.py for what they cost.
"""

import itertools
import logging
import os
import re
import secrets
from typing import cast

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import Database, DatabaseUnavailableError
from .errors import error_response
from .request_context import request_id_var
from .schema import SchemaGuard

__all__ = [
    "BodySizeLimitMiddleware",
    "RequestIdMiddleware",
    "RequestTooLargeError",
    "SecurityHeadersMiddleware",
    "UnhandledErrorMiddleware",
]

_logger = logging.getLogger(__name__)

_REQUEST_ID_HEADER_BYTES = b"x-request-id"
_WELL_FORMED_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI (development only) loads its script and styles from jsDelivr.
_DOCS_CSP = (
    b"default-src 'none'; frame-ancestors 'none'; connect-src 'self'; "
    b"img-src 'self' data: https://fastapi.tiangolo.com; "
    b"script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src https://cdn.jsdelivr.net"
)
_HSTS = b"max-age=63072000; includeSubDomains"
_RETRY_AFTER = {"retry-after": "30"}  # seconds: about what a migrations job takes to run
_OUTAGE_RETRY_AFTER = {"retry-after": "5"}  # seconds: a pool slot frees or the server is back


class _RequestIds:
    """New request ids: a random prefix per process, then a counter.

    An id must be unique, not unpredictable (a client may send its own). A
    system call per request would cost more than it seems: `os.urandom`
    releases the GIL, and on a busy server the event loop then waits for a
    worker thread to hand it back. A forked child draws a prefix of its own.
    """

    def __init__(self) -> None:
        self._renew()
        if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
            os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count()

    def new(self) -> str:
        """32 hexadecimal digits, never the same twice in this process's lifetime."""
        return f"{self._prefix}{next(self._counter):016x}"


_new_request_id = _RequestIds().new


class RequestIdMiddleware:
    """Give every request an id: a well-formed incoming X-Request-ID, else a new one.

    The id goes into `request_id_var` (log records read it) and back out on the
    response, so a client's report and the server's logs can be matched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or _new_request_id()
        header = (_REQUEST_ID_HEADER_BYTES, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Add the browser-hardening headers to every response that lacks them."""

    def __init__(
        self, app: ASGIApp, *, hsts: bool, docs_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cache-control", b"no-store"),
        ]
        if hsts:
            common.append((b"strict-transport-security", _HSTS))
        self.api_headers = [(b"content-security-policy", _API_CSP), *common]
        self.docs_headers = [(b"content-security-policy", _DOCS_CSP), *common]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.docs_headers if scope["path"] in self.docs_paths else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in wanted if header[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestTooLargeError(HTTPException):
    """The request body passed the configured limit (status 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request_too_large")


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413.

    A declared Content-Length over the limit is refused before the app runs;
    a chunked body is counted as it arrives and refused once it passes.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(413, "request_too_large")(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestTooLargeError:
            if started:
                raise
            await error_response(413, "request_too_large")(scope, receive, send)


class UnhandledErrorMiddleware:
    """Answer any unhandled exception with a generic 500 and log the real error.

    The body is only `{"error": "internal_error", "request_id": ...}`: no stack
    trace, SQL or path reaches the client, and the request id finds the log.
    A database whose schema is missing or behind (`migrate` not run) answers
    503 `service_unavailable` instead, and the log names the command to run; so
    does a database that cannot serve now (no pool connection free in time, the
    server down, hung or refusing), with a short Retry-After.
    """

    def __init__(self, app: ASGIApp, *, schema_guard: SchemaGuard) -> None:
        self.app = app
        self.schema_guard = schema_guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        # A closure like BodySizeLimitMiddleware's, not a shared callable object: it runs
        # for every ASGI message, and an instance's __call__ cost /healthz about 7%.
        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if self.schema_guard.explains(error):
                if not started:
                    await error_response(503, "service_unavailable", _RETRY_AFTER)(
                        scope, receive, send
                    )
                return
            if _is_outage(scope, error):
                # The pool timed out, or the server is down, hung or refusing: not a bug.
                _logger.warning(
                    "database unavailable in %s %s: %s",
                    scope["method"],
                    scope["path"],
                    error if isinstance(error, DatabaseUnavailableError) else type(error).__name__,
                )
                if not started:
                    await error_response(503, "service_unavailable", _OUTAGE_RETRY_AFTER)(
                        scope, receive, send
                    )
                return
            _logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not started:
                await error_response(500, "internal_error")(scope, receive, send)


def _is_outage(scope: Scope, error: Exception) -> bool:
    """True when `error` means the database cannot serve now (its backend's outage errors)."""
    if isinstance(error, DatabaseUnavailableError):
        return True
    state: object = scope.get("state")  # the lifespan's state: {"database": ...}
    if not isinstance(state, dict):
        return False
    database = cast("dict[str, object]", state).get("database")
    return isinstance(database, Database) and isinstance(error, database.outages)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_HEADER_BYTES:
            if _WELL_FORMED_REQUEST_ID.fullmatch(value):
                return value.decode("ascii")
            return None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
