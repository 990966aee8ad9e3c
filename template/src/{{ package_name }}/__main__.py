"""`python -m <package>`: serve the app with uvicorn using the validated settings.

`python -m <package> migrate` applies the SQL migrations instead and exits.
"""

import sys

import uvicorn

from .app import create_app
from .migrate import migrate_command
from .settings import get_settings


def main() -> None:
    """Start the server; a bad configuration stops here with a clear message."""
    if sys.argv[1:2] == ["migrate"]:
        raise SystemExit(migrate_command(sys.argv[2:]))
    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
