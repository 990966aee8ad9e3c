"""Configuration read from the environment and `.env`, validated once at start-up.

Sources, highest priority first: the process environment, the `.env` file in the
working directory, then one file per variable in the container secrets directory
(`/run/secrets/database_url`), read only when that directory exists.

A missing or invalid variable stops start-up with one line naming the variable and
the rule it broke, never its value (`ConfigurationError`). Outside development the
service refuses the placeholders of `.env.example` and `LOG_LEVEL=DEBUG`: debug
output may carry request details that production logs must not keep.
"""

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Final, Literal, cast

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from .db.connection import PoolOptions
from .db.url import SUPPORTED, DatabaseUrl, DatabaseUrlError

__all__ = [
    "DEVELOPMENT_HOSTS",
    "ENV_FILE",
    "PLACEHOLDERS",
    "SECRETS_DIR",
    "ConfigurationError",
    "DatabaseSettings",
    "Settings",
    "get_settings",
    "load_database_settings",
    "load_settings",
]

ENV_FILE: Final = Path(".env")
SECRETS_DIR: Final = Path("/run/secrets")

# Lowercase fragments of the placeholder secrets shipped in `.env.example`.
_MAX_DEFAULT_HASH_CONCURRENCY: Final = 8  # 8 x 64 MiB: a ceiling for large machines

PLACEHOLDERS: Final = ("change-me", "changeme", "change_me", "replace-me", "replaceme")

_WHOLE_ABOVE_ZERO: Final = "must be a whole number greater than 0"
_WHOLE_UP_TO_64: Final = "must be a whole number from 1 to 64"
_SECONDS_UP_TO_60: Final = "must be a number of seconds greater than 0, at most 60"

# The rule each variable must follow, written for the person fixing the deployment.
_RULES: Final[dict[str, str]] = {
    "environment": "must be one of development, test, production",
    "database_url": SUPPORTED,
    "migration_database_url": SUPPORTED,
    "host": "must be a host name or IP address without spaces",
    "port": "must be a whole number from 1 to 65535",
    "log_level": "must be one of DEBUG, INFO, WARNING, ERROR",
    "log_format": "must be json or console",
    "max_body_bytes": "must be a whole number greater than 0",
    "session_ttl_seconds": "must be a whole number greater than 0",
    "behind_tls": "must be true or false",
    "password_hash_concurrency": _WHOLE_UP_TO_64,
    "password_hash_wait_seconds": _SECONDS_UP_TO_60,
    "login_throttle_window_seconds": _WHOLE_ABOVE_ZERO,
    "login_throttle_per_account": _WHOLE_ABOVE_ZERO,
    "login_throttle_per_address": _WHOLE_ABOVE_ZERO,
    "login_throttle_per_pair": _WHOLE_ABOVE_ZERO,
    "registration_throttle_window_seconds": _WHOLE_ABOVE_ZERO,
    "registration_throttle_per_address": _WHOLE_ABOVE_ZERO,
    "session_max_per_user": _WHOLE_ABOVE_ZERO,
    "purge_interval_seconds": "must be a number of seconds greater than 0",
    "allowed_hosts": "must be comma-separated host names or IP addresses (e.g. api.example.com)",
    "forwarded_allow_ips": "must be comma-separated IP addresses or networks (e.g. 10.0.0.0/8)",
    "cors_allow_origins": "must be comma-separated origins (e.g. https://app.example.com)",
    "cors_allow_credentials": "must be true or false",
    "http_header_timeout_seconds": "must be a whole number from 1 to 300",
    "http_keep_alive_seconds": "must be a whole number from 1 to 300",
    "max_concurrent_requests": _WHOLE_ABOVE_ZERO,
    "workers": _WHOLE_UP_TO_64,
    "shutdown_grace_seconds": "must be a whole number of seconds from 1 to 600",
    "database_pool_min_size": "must be a whole number from 1 to 1000",
    "database_pool_max_size": "must be a whole number from 1 to 1000",
    "database_pool_timeout_seconds": _SECONDS_UP_TO_60,
    "database_statement_timeout_seconds": "must be a number of seconds greater than 0, "
    "at most 3600",
}

# Host names clients may use in the Host header in development when ALLOWED_HOSTS is unset.
DEVELOPMENT_HOSTS: Final = ("localhost", "127.0.0.1")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?:\*\.)?(?:{_LABEL}\.)*{_LABEL}")
_ORIGIN = re.compile(rf"https?://(?:(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-f:.]+\])(?::[0-9]{{1,5}})?")


def _to_database_url(value: object) -> DatabaseUrl:
    """Judge a DATABASE_URL-style value once, with the rules of `DatabaseUrl.parse`."""
    if isinstance(value, DatabaseUrl):
        return value
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        raise ValueError(SUPPORTED)
    try:
        return DatabaseUrl.parse(value.strip())
    except DatabaseUrlError as error:
        raise ValueError(str(error)) from None


# A URL in the settings: judged once, printed and dumped masked.
DatabaseUrlSetting = Annotated[
    DatabaseUrl, PlainValidator(_to_database_url), PlainSerializer(str, return_type=str)
]

# A list in the environment is comma-separated text (`a.example,b.example`), not JSON.
CommaSeparated = Annotated[tuple[str, ...], NoDecode]


def _default_hash_concurrency() -> int:
    """PASSWORD_HASH_CONCURRENCY's default: the CPUs this process may use, at most 8."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, _MAX_DEFAULT_HASH_CONCURRENCY))


class ConfigurationError(Exception):
    """The configuration cannot start the service; the message is safe to print."""


class _SettingsSources(BaseSettings):
    """What every settings class shares: the sources, ENVIRONMENT and the URL rules."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    environment: Literal["development", "test", "production"] = "production"

    @property
    def is_development(self) -> bool:
        """Development unlocks API docs, console logs and DEBUG logging."""
        return self.environment == "development"

    @field_validator("environment", mode="before")
    @classmethod
    def _lowercase_environment(cls, value: object) -> object:
        """Accept `Production` as well as `production`."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url", "migration_database_url", check_fields=False)
    @classmethod
    def _no_placeholder(
        cls, value: DatabaseUrl | None, info: ValidationInfo
    ) -> DatabaseUrl | None:
        """The `.env.example` placeholder passwords are accepted only in development."""
        if value is None or info.data.get("environment") == "development":
            return value
        if _holds_placeholder(value.get_secret_value()):
            raise ValueError(
                "still holds the placeholder password from .env.example; set a real one "
                "(placeholders are accepted only when ENVIRONMENT=development)"
            )
        return value


class DatabaseSettings(_SettingsSources):
    """What `migrate` reads: the database URLs alone, from the service's own sources."""

    database_url: DatabaseUrlSetting | None = None
    migration_database_url: DatabaseUrlSetting | None = None

    def migration_url(self) -> DatabaseUrl:
        """The URL `migrate` uses: the schema owner's, or the service's own on SQLite."""
        if self.migration_database_url is not None:
            return self.migration_database_url
        if self.database_url is None:
            raise ConfigurationError(
                "MIGRATION_DATABASE_URL (or DATABASE_URL, on SQLite) is required: set it in "
                "the environment or .env (`cp .env.example .env` starts one)"
            )
        if self.database_url.dialect == "sqlite":
            return self.database_url
        raise ConfigurationError(
            "MIGRATION_DATABASE_URL is not set: on PostgreSQL, migrations run as the "
            "schema owner, not as the service's DATABASE_URL role"
        )


class Settings(_SettingsSources):
    """Every knob the service reads; secrets never print (`SecretStr`, `DatabaseUrl`)."""

    database_url: DatabaseUrlSetting
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    session_ttl_seconds: int = Field(default=3600, gt=0)
    behind_tls: bool = False
    # Each argon2id hash holds 64 MiB while it runs: peak memory grows by that per place.
    password_hash_concurrency: int = Field(default_factory=_default_hash_concurrency, ge=1, le=64)
    password_hash_wait_seconds: float = Field(default=2.0, gt=0, le=60)
    login_throttle_window_seconds: int = Field(default=900, gt=0)
    login_throttle_per_account: int = Field(default=20, gt=0)
    login_throttle_per_address: int = Field(default=100, gt=0)
    login_throttle_per_pair: int = Field(default=5, gt=0)
    registration_throttle_window_seconds: int = Field(default=3600, gt=0)
    registration_throttle_per_address: int = Field(default=10, gt=0)
    session_max_per_user: int = Field(default=10, gt=0)
    purge_interval_seconds: float = Field(default=300.0, gt=0)
    allowed_hosts: CommaSeparated = Field(default=(), validate_default=True)
    forwarded_allow_ips: CommaSeparated = ()
    cors_allow_origins: CommaSeparated = ()
    cors_allow_credentials: bool = False
    http_header_timeout_seconds: int = Field(default=10, ge=1, le=300)
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    max_concurrent_requests: int = Field(default=100, gt=0)
    # Server processes; each has its own database pool and hash gate (docs: sizing).
    workers: int = Field(default=1, ge=1, le=64)
    shutdown_grace_seconds: int = Field(default=10, ge=1, le=600)
    # Connections per process; replicas x WORKERS x max must fit max_connections.
    # SQLite reads only the max: how many connections wait between transactions.
    database_pool_min_size: int = Field(default=1, ge=1, le=1000)
    database_pool_max_size: int = Field(default=10, ge=1, le=1000)
    database_pool_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    database_statement_timeout_seconds: float = Field(default=15.0, gt=0, le=3600)

    def pool_options(self) -> PoolOptions:
        """The database pool's size and timeouts, as the backend takes them."""
        return PoolOptions(
            min_size=self.database_pool_min_size,
            max_size=self.database_pool_max_size,
            timeout_seconds=self.database_pool_timeout_seconds,
            statement_timeout_seconds=self.database_statement_timeout_seconds,
        )

    @model_validator(mode="before")
    @classmethod
    def _log_format_follows_environment(cls, data: object) -> object:
        """Unless LOG_FORMAT is set: console for people in development, JSON elsewhere."""
        if not isinstance(data, dict):
            return data
        values = cast("dict[str, object]", data)
        if values.get("log_format") is not None:
            return values
        development = str(values.get("environment", "")).strip().lower() == "development"
        return {**values, "log_format": "console" if development else "json"}

    @field_validator("log_format", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        """Accept `JSON` as well as `json`."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _uppercase(cls, value: object) -> object:
        """Accept `info` as well as `INFO`."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("host")
    @classmethod
    def _plain_host(cls, value: str) -> str:
        """A bind address: not empty, no spaces."""
        if not value or any(character.isspace() for character in value):
            raise ValueError(_RULES["host"])
        return value

    @field_validator("log_level")
    @classmethod
    def _debug_only_in_development(cls, value: str, info: ValidationInfo) -> str:
        """DEBUG output is for a developer's machine, never for shared logs."""
        if value == "DEBUG" and info.data.get("environment") != "development":
            raise ValueError("may be DEBUG only when ENVIRONMENT=development; use INFO or higher")
        return value

    @field_validator("database_pool_max_size")
    @classmethod
    def _pool_holds_its_minimum(cls, value: int, info: ValidationInfo) -> int:
        """The pool cannot keep open more connections than it may have."""
        minimum = info.data.get("database_pool_min_size")
        if isinstance(minimum, int) and value < minimum:
            raise ValueError("must be at least DATABASE_POOL_MIN_SIZE")
        return value

    @field_validator("allowed_hosts", "forwarded_allow_ips", "cors_allow_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        """`a, b` in the environment becomes ("a", "b"); empty items are dropped."""
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _known_hosts(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """The Host values the service answers to; required outside development."""
        development = info.data.get("environment") == "development"
        if not value:
            if development:
                return DEVELOPMENT_HOSTS
            raise ValueError(
                "is required outside development: list the host names clients use, "
                "comma-separated (e.g. api.example.com,*.api.example.com)"
            )
        hosts = tuple(host.lower() for host in value)
        if "*" in hosts and not development:
            raise ValueError(
                "may be * only when ENVIRONMENT=development; list the host names clients use"
            )
        for host in hosts:
            if host != "*" and not (_HOST_NAME.fullmatch(host) or _is_ip_address(host)):
                raise ValueError(
                    "must hold host names or IP addresses only, without scheme, port or path "
                    "(e.g. api.example.com,*.example.com)"
                )
        return hosts

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """The proxies whose X-Forwarded-For/-Proto are believed: addresses or networks."""
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    "must list the reverse proxies' IP addresses or networks "
                    "(e.g. 127.0.0.1,10.0.0.0/8); * is not accepted: it would let any "
                    "client choose its own address"
                ) from None
        return value

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Browser origins allowed to call the API: `*` or scheme://host[:port] exactly."""
        origins = tuple(origin.lower() for origin in value)
        for origin in origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    "must hold origins like https://app.example.com (scheme and host, "
                    "optional port, no path or trailing slash) or *"
                )
        return origins

    @field_validator("cors_allow_credentials")
    @classmethod
    def _no_credentials_for_everyone(cls, value: bool, info: ValidationInfo) -> bool:
        """`*` with credentials would let every web site act as the signed-in user."""
        if value and "*" in info.data.get("cors_allow_origins", ()):
            raise ValueError(
                "may not be true while CORS_ALLOW_ORIGINS is *: list the origins "
                "that may send credentials instead"
            )
        return value


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _holds_placeholder(url: str) -> bool:
    """True if `url` (its password included) holds a `.env.example` placeholder."""
    lowered = url.lower()
    return any(placeholder in lowered for placeholder in PLACEHOLDERS)


def load_settings(
    *, env_file: Path | None = ENV_FILE, secrets_dir: Path | None = SECRETS_DIR
) -> Settings:
    """Read and validate the settings, or raise `ConfigurationError` with one safe line.

    `secrets_dir` is used only if it is a directory, so a machine without
    `/run/secrets` neither warns nor fails.
    """
    return cast("Settings", _load(Settings, env_file, secrets_dir))


def load_database_settings(
    *, env_file: Path | None = ENV_FILE, secrets_dir: Path | None = SECRETS_DIR
) -> DatabaseSettings:
    """The database part alone, from the same sources: `migrate` needs no server settings."""
    return cast("DatabaseSettings", _load(DatabaseSettings, env_file, secrets_dir))


def _load(
    kind: type[_SettingsSources], env_file: Path | None, secrets_dir: Path | None
) -> _SettingsSources:
    secrets = secrets_dir if secrets_dir is not None and secrets_dir.is_dir() else None
    try:
        return kind(_env_file=env_file, _secrets_dir=secrets)  # pyright: ignore[reportCallIssue] - required values come from the sources, not arguments
    except ValidationError as error:
        raise ConfigurationError(_describe_errors(error)) from None
    except SourceError:
        raise ConfigurationError(
            "the settings sources could not be parsed (check .env and the secrets directory)"
        ) from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{env_file} is not valid UTF-8") from None
    except OSError as error:
        raise ConfigurationError(
            f"a settings source could not be read: {error.strerror or type(error).__name__}"
        ) from None


def _describe_errors(error: ValidationError) -> str:
    """One line naming each bad variable and its rule; input values are never included."""
    problems: list[str] = []
    for detail in error.errors(include_input=False, include_url=False, include_context=False):
        field = str(detail["loc"][0]) if detail["loc"] else ""
        name = field.upper() or "configuration"
        if detail["type"] == "missing":
            problems.append(f"{name} is required (set it in the environment or .env)")
        elif detail["type"] == "value_error":
            problems.append(f"{name} {detail['msg'].removeprefix('Value error, ')}")
        else:
            problems.append(f"{name} {_RULES.get(field, 'is invalid')}")
    return "; ".join(dict.fromkeys(problems))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, built on first use and never at import time.

    Raises `ConfigurationError`; a failed attempt is not cached, so a fixed
    environment is read on the next call.
    """
    return load_settings()
