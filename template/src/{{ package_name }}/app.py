"""The FastAPI application factory."""

from fastapi import FastAPI

from .settings import Settings, get_settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from `settings` (or the environment), so tests can pass their own."""
    settings = settings or get_settings()
    development = settings.environment == "development"
    app = FastAPI(
        docs_url="/docs" if development else None,
        redoc_url=None,
        openapi_url="/openapi.json" if development else None,
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:  # pyright: ignore[reportUnusedFunction] - registered by the decorator
        """Liveness: the process answers; no dependency is checked."""
        return {"status": "ok"}

    return app
