"""`serve`: uvicorn runs the app with options that all come from Settings, built in one place."""

import asyncio
import sys
from typing import TypedDict

import uvicorn

from .app import create_app
from .http_server import bounded_h11_protocol
from .logs import UVICORN_LOG_CONFIG, configure_logging
from .settings import ConfigurationError, Settings, get_settings

__all__ = ["UvicornOptions", "serve", "uvicorn_options"]


class UvicornOptions(TypedDict, total=False):
    """The keyword arguments `serve` passes to `uvicorn.run`."""

    host: str
    port: int
    log_config: None
    server_header: bool
    http: type[asyncio.Protocol]
    proxy_headers: bool
    timeout_keep_alive: int


def uvicorn_options(settings: Settings) -> UvicornOptions:
    """Every uvicorn option the service sets, derived from `settings` here and nowhere else."""
    return UvicornOptions(
        host=settings.host,
        port=settings.port,
        log_config=UVICORN_LOG_CONFIG,  # configure_logging owns logging, with redaction
        server_header=False,  # no `server: uvicorn` header telling scanners what runs here
        # h11 with a deadline for request heads (http_server.py says why h11).
        http=bounded_h11_protocol(settings.http_header_timeout_seconds),
        # Forwarded headers are the app's (edge.ForwardedHeadersMiddleware, from
        # FORWARDED_ALLOW_IPS): uvicorn's own trust 127.0.0.1 and any text as an address.
        proxy_headers=False,
        timeout_keep_alive=settings.http_keep_alive_seconds,
    )


def serve() -> int:
    """Start the server; a bad configuration stops here with one clear line on stderr."""
    try:
        settings = get_settings()
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    configure_logging(settings)
    uvicorn.run(create_app(settings), **uvicorn_options(settings))
    return 0
