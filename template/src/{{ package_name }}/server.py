"""`serve`: uvicorn runs the app with options that all come from Settings, built in one place.

With WORKERS > 1 uvicorn's supervisor starts that many worker processes on one
listening socket. Each is a fresh interpreter (spawned, not forked), so uvicorn
is given the app as an import string to a factory (`APP_FACTORY`), and every
worker reads the settings and sets up its own redacting logging.

On SIGTERM (or Ctrl-C) each server stops accepting, lets the requests in flight
finish for up to SHUTDOWN_GRACE_SECONDS, cancels what is left, then runs the
lifespan's shutdown (the database and the hash gate are closed there); the
process then exits with status 0.

A server that cannot start (its port taken, an app that cannot be built, a
lifespan that fails) exits with uvicorn's STARTUP_FAILURE (3) after logging
why; with WORKERS > 1 the first worker that fails so stops the supervisor and
the others, so a broken release never loops restarting its workers.
"""

import asyncio
import logging
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Final, TypedDict

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from .http_server import BoundedH11Protocol, ServerConfig
from .logs import UVICORN_LOG_CONFIG, configure_logging
from .settings import ConfigurationError, Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["APP_FACTORY", "UvicornOptions", "serve", "server_app", "uvicorn_options"]

_logger = logging.getLogger(__name__)

APP_FACTORY: Final = f"{__name__}:server_app"
"""What uvicorn imports in each server process (`factory=True`: it calls it)."""


class UvicornOptions(TypedDict, total=False):
    """The keyword arguments `serve` passes to `ServerConfig` (uvicorn's Config)."""

    app: str
    factory: bool
    host: str
    port: int
    workers: int
    timeout_graceful_shutdown: int
    log_config: None
    server_header: bool
    http: type[asyncio.Protocol]
    http_header_timeout_seconds: float
    proxy_headers: bool
    timeout_keep_alive: int


def uvicorn_options(settings: Settings) -> UvicornOptions:
    """Every uvicorn option the service sets, derived from `settings` here and nowhere else."""
    return UvicornOptions(
        app=APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_config=UVICORN_LOG_CONFIG,  # configure_logging owns logging, with redaction
        server_header=False,  # no `server: uvicorn` header telling scanners what runs here
        # h11 with a deadline for request heads (http_server.py says why h11).
        http=BoundedH11Protocol,
        http_header_timeout_seconds=settings.http_header_timeout_seconds,
        # Forwarded headers are the app's (edge.ForwardedHeadersMiddleware, from
        # FORWARDED_ALLOW_IPS): uvicorn's own trust 127.0.0.1 and any text as an address.
        proxy_headers=False,
        timeout_keep_alive=settings.http_keep_alive_seconds,
    )


def server_app() -> "FastAPI":
    """The app of one server process, with that process's settings and logging.

    Called by uvicorn in the process that serves (`APP_FACTORY`); configuring
    logging again in a single-process server changes nothing (it is idempotent).
    An app that cannot be built (a dependency that does not import, say) ends
    the process with STARTUP_FAILURE: uvicorn's supervisor restarts a worker
    that exits any other way, forever, and stops only for that status.
    """
    try:
        settings = get_settings()
        configure_logging(settings)
        # The web stack is imported here, in the processes that serve: a supervisor
        # (WORKERS > 1) and a bad configuration's one-line error never load it.
        from .app import create_app

        return create_app(settings)
    except Exception as error:
        _logger.exception(
            "server process %d cannot start: %s: %s", os.getpid(), type(error).__name__, error
        )
        raise SystemExit(STARTUP_FAILURE) from None


class _Supervisor(Multiprocess):
    """uvicorn's worker supervisor that also lets go of the socket when it stops.

    uvicorn keeps the parent's copy of the listening socket open until every
    worker has exited, so during the grace period the kernel would still queue
    new connections that nobody accepts; closing it first makes them refused.
    """

    def terminate_all(self) -> None:
        """Close the parent's listening socket, then ask every worker to stop."""
        for listening in self.sockets:
            listening.close()
        super().terminate_all()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    """A stop signal uvicorn does not handle itself: end the process with status 0.

    uvicorn re-raises the signal once its graceful shutdown is done (and one may
    arrive before it starts listening); the stop was asked for, so it is no failure.
    """
    raise SystemExit(0)


def serve() -> int:
    """Start the server; a bad configuration stops here with one clear line on stderr."""
    try:
        settings = get_settings()
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    configure_logging(settings)
    config = ServerConfig(**uvicorn_options(settings))
    if config.workers == 1:
        for stop in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop, _exit_quietly)
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    try:
        listening = config.bind_socket()
    except SystemExit:  # uvicorn logged the OS error alone, without the address
        _logger.error(
            "cannot listen on %s:%d: is another server using it?", config.host, config.port
        )
        raise
    supervisor = _Supervisor(config, sockets=[listening])
    supervisor.run()
    failed = any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes)
    return STARTUP_FAILURE if failed else 0
