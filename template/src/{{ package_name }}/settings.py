"""Configuration read from the environment and `.env`, validated once at start-up."""

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every knob the service reads; secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "production"
    database_url: SecretStr
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_body_bytes: int = 1_048_576
    session_ttl_seconds: int = 3600
    behind_tls: bool = False

    @property
    def is_development(self) -> bool:
        """Development unlocks API docs, console logs and DEBUG logging."""
        return self.environment == "development"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings on first use, never at import time."""
    return Settings()  # pyright: ignore[reportCallIssue] - values come from the environment
