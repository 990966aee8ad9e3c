"""`serve`: uvicorn runs the app with options that all come from Settings, built in one place."""

import sys
from typing import TypedDict

import uvicorn

from .app import create_app
from .logs import UVICORN_LOG_CONFIG, configure_logging
from .settings import ConfigurationError, Settings, get_settings

__all__ = ["UvicornOptions", "serve", "uvicorn_options"]


class UvicornOptions(TypedDict, total=False):
    """The keyword arguments `serve` passes to `uvicorn.run`."""

    host: str
    port: int
    log_config: None
    server_header: bool


def uvicorn_options(settings: Settings) -> UvicornOptions:
    """Every uvicorn option the service sets, derived from `settings` here and nowhere else."""
    return UvicornOptions(
        host=settings.host,
        port=settings.port,
        log_config=UVICORN_LOG_CONFIG,  # configure_logging owns logging, with redaction
        server_header=False,  # no `server: uvicorn` header telling scanners what runs here
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
