"""`python -m <package>`: serve the app with uvicorn using the validated settings."""

import uvicorn

from .app import create_app
from .settings import get_settings


def main() -> None:
    """Start the server; a bad configuration stops here with a clear message."""
    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
