"""The FastAPI application factory: routes, middleware and error handlers in one place."""

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from . import auth, health, notes
from .db import open_database
from .edge import (
    AllowedHostsMiddleware,
    ConcurrencyLimitMiddleware,
    ForwardedHeadersMiddleware,
    RequestBodyRulesMiddleware,
)
from .errors import (
    busy_handler,
    http_exception_handler,
    throttled_handler,
    validation_exception_handler,
)
from .hash_gate import HashGate, HashingBusyError
from .housekeeping import purge_periodically
from .middleware import (
    BodySizeLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    UnhandledErrorMiddleware,
)
from .schema import SchemaGuard
from .settings import Settings, get_settings
from .throttle import ThrottledError

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from `settings` (or the environment), so tests can pass their own.

    Nothing connects here: the lifespan opens the database when the server starts.
    """
    settings = settings or get_settings()
    development = settings.is_development

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[dict[str, Any]]:
        # On PostgreSQL this opens the process's pool, which connects in the
        # background: a database that is down delays nothing here (503s until it is up).
        database = open_database(settings.database_url, pool=settings.pool_options())
        gate = HashGate(
            concurrency=settings.password_hash_concurrency,
            wait_seconds=settings.password_hash_wait_seconds,
        )
        try:
            async with anyio.create_task_group() as background:
                background.start_soon(purge_periodically, database, settings)
                yield {"database": database, "hash_gate": gate}
                background.cancel_scope.cancel()
        finally:
            gate.close()
            # Joining the pool's workers blocks: keep it off the event loop.
            await anyio.to_thread.run_sync(database.close)

    app = FastAPI(
        docs_url="/docs" if development else None,
        redoc_url=None,
        openapi_url="/openapi.json" if development else None,
        lifespan=lifespan,
        redirect_slashes=False,  # a redirect would be built from the client's Host header
        exception_handlers={
            HTTPException: http_exception_handler,
            RequestValidationError: validation_exception_handler,
            ThrottledError: throttled_handler,
            HashingBusyError: busy_handler,
        },
    )
    app.state.settings = settings
    app.state.schema_guard = schema_guard = SchemaGuard()
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(notes.router)
    # Added innermost first: a request passes RequestId, SecurityHeaders,
    # ForwardedHeaders, AllowedHosts, CORS, RequestBodyRules, ConcurrencyLimit,
    # UnhandledError, then BodySizeLimit, so every refusal carries the headers.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware, schema_guard=schema_guard)
    app.add_middleware(
        ConcurrencyLimitMiddleware,
        limit=settings.max_concurrent_requests,
        exempt_paths=frozenset({"/healthz"}),
    )
    app.add_middleware(RequestBodyRulesMiddleware)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(AllowedHostsMiddleware, allowed_hosts=settings.allowed_hosts)
    if settings.forwarded_allow_ips:
        app.add_middleware(ForwardedHeadersMiddleware, trusted=settings.forwarded_allow_ips)
    docs = frozenset({"/docs", "/docs/oauth2-redirect"}) if development else frozenset[str]()
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.behind_tls, docs_paths=docs)
    app.add_middleware(RequestIdMiddleware)
    return app
