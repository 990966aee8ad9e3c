"""`python -m <package>`: serve the app with uvicorn using the validated settings.

`python -m <package> migrate` applies the SQL migrations instead and exits.
"""

import sys

import uvicorn

from .app import create_app
from .logs import UVICORN_LOG_CONFIG, configure_logging
from .migrate import migrate_command
from .settings import ConfigurationError, get_settings


def main() -> None:
    """Start the server; a bad configuration stops here with one clear line on stderr."""
    if sys.argv[1:2] == ["migrate"]:
        raise SystemExit(migrate_command(sys.argv[2:]))
    try:
        settings = get_settings()
    except ConfigurationError as error:
        raise SystemExit(f"configuration error: {error}") from None
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=UVICORN_LOG_CONFIG,  # logging is configured above, with redaction
        server_header=False,
    )


if __name__ == "__main__":
    main()
