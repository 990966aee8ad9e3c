"""Login and registration throttling, counted in the service's own database.

The counts live in tables next to the users, so every replica and every
restart sees the same numbers. A login is refused (429, before any password
work) while any of these counts of failed logins in the last window is at
its limit:

* per account and address pair: one place guessing one account's password;
* per address: one place trying many accounts (credential stuffing, spraying);
* per account: many places guessing one account. An address that logged in to
  that account successfully within `KNOWN_ADDRESS_SECONDS` is exempt from this
  count, so an attacker spread over many addresses cannot lock the owner out
  from where they usually log in.

Usernames are counted as submitted, whether or not the account exists, so a
429 says nothing about which accounts exist. Registration is counted per
address, taken names and new ones alike. docs/security-model.md explains the
policy; the limits are settings.
"""

import ipaddress
from dataclasses import dataclass
from typing import Final, Self

from .db import Connection, Row
from .settings import Settings

__all__ = [
    "KNOWN_ADDRESS_SECONDS",
    "LoginLimits",
    "RegistrationLimits",
    "ThrottledError",
    "address_key",
    "check_login",
    "check_registration",
    "prune_attempts",
    "record_login_failure",
    "record_login_success",
    "record_registration",
]

KNOWN_ADDRESS_SECONDS: Final = 30 * 24 * 3600
_IPV6_PREFIX: Final = 64  # one subscriber gets a whole /64: count it as one address
_MAX_KEY_LENGTH: Final = 64


class ThrottledError(Exception):
    """Too many recent attempts; `retry_after` is when the next one may succeed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many attempts")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed logins allowed per window, for each of the three counts."""

    window_seconds: int
    per_account: int
    per_address: int
    per_pair: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The LOGIN_THROTTLE_* settings."""
        return cls(
            window_seconds=settings.login_throttle_window_seconds,
            per_account=settings.login_throttle_per_account,
            per_address=settings.login_throttle_per_address,
            per_pair=settings.login_throttle_per_pair,
        )


@dataclass(frozen=True, slots=True)
class RegistrationLimits:
    """Registrations allowed per window from one address."""

    window_seconds: int
    per_address: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The REGISTRATION_THROTTLE_* settings."""
        return cls(
            window_seconds=settings.registration_throttle_window_seconds,
            per_address=settings.registration_throttle_per_address,
        )


def address_key(host: str) -> str:
    """The form an address is counted in: IPv4 as is, IPv6 by its /64 network.

    Anything else (a Unix socket, a test client's name) is kept, cut to a bounded length.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:_MAX_KEY_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, _IPV6_PREFIX), strict=False))
    return str(address)


def check_login(
    connection: Connection, limits: LoginLimits, *, username: str, address: str, now: int
) -> None:
    """Raise `ThrottledError` if this username may not be tried from this address now."""
    row = connection.fetch_one(
        "SELECT"
        " COUNT(CASE WHEN username = :username THEN 1 END) AS account,"
        " MIN(CASE WHEN username = :username THEN failed_at END) AS account_oldest,"
        " COUNT(CASE WHEN address = :address THEN 1 END) AS address,"
        " MIN(CASE WHEN address = :address THEN failed_at END) AS address_oldest,"
        " COUNT(CASE WHEN username = :username AND address = :address THEN 1 END) AS pair,"
        " MIN(CASE WHEN username = :username AND address = :address THEN failed_at END)"
        " AS pair_oldest,"
        " (SELECT COUNT(*) FROM known_logins WHERE username = :username"
        " AND address = :address AND last_success_at > :known_since) AS known"
        " FROM login_failures"
        " WHERE failed_at > :since AND (username = :username OR address = :address)",
        {
            "username": username,
            "address": address,
            "since": now - limits.window_seconds,
            "known_since": now - KNOWN_ADDRESS_SECONDS,
        },
    )
    if row is None:  # an aggregate always yields one row
        raise RuntimeError("the throttle query returned no row")
    counts = [("pair", limits.per_pair), ("address", limits.per_address)]
    if not row["known"]:
        counts.append(("account", limits.per_account))
    _refuse_if_over(row, counts, window_seconds=limits.window_seconds, now=now)


def record_login_failure(connection: Connection, *, username: str, address: str, now: int) -> None:
    """Count one failed login (a wrong password or an unknown username)."""
    connection.execute(
        "INSERT INTO login_failures (username, address, failed_at)"
        " VALUES (:username, :address, :now)",
        {"username": username, "address": address, "now": now},
    )


def record_login_success(connection: Connection, *, username: str, address: str, now: int) -> None:
    """Clear this pair's failures and remember the address as one the owner uses."""
    connection.execute(
        "DELETE FROM login_failures WHERE username = :username AND address = :address",
        {"username": username, "address": address},
    )
    connection.execute(
        "INSERT INTO known_logins (username, address, last_success_at)"
        " VALUES (:username, :address, :now)"
        " ON CONFLICT (username, address)"
        " DO UPDATE SET last_success_at = excluded.last_success_at",
        {"username": username, "address": address, "now": now},
    )


def check_registration(
    connection: Connection, limits: RegistrationLimits, *, address: str, now: int
) -> None:
    """Raise `ThrottledError` if this address has registered too often in the window."""
    row = connection.fetch_one(
        "SELECT COUNT(*) AS address, MIN(attempted_at) AS address_oldest"
        " FROM registration_attempts WHERE address = :address AND attempted_at > :since",
        {"address": address, "since": now - limits.window_seconds},
    )
    if row is None:  # an aggregate always yields one row
        raise RuntimeError("the throttle query returned no row")
    _refuse_if_over(
        row, [("address", limits.per_address)], window_seconds=limits.window_seconds, now=now
    )


def record_registration(connection: Connection, *, address: str, now: int) -> None:
    """Count one registration attempt that reached the database (taken or new name)."""
    connection.execute(
        "INSERT INTO registration_attempts (address, attempted_at) VALUES (:address, :now)",
        {"address": address, "now": now},
    )


def prune_attempts(
    connection: Connection, login: LoginLimits, registration: RegistrationLimits, *, now: int
) -> None:
    """Delete attempts older than their window and addresses not used for a login in 30 days."""
    connection.execute(
        "DELETE FROM login_failures WHERE failed_at <= :before",
        {"before": now - login.window_seconds},
    )
    connection.execute(
        "DELETE FROM registration_attempts WHERE attempted_at <= :before",
        {"before": now - registration.window_seconds},
    )
    connection.execute(
        "DELETE FROM known_logins WHERE last_success_at <= :before",
        {"before": now - KNOWN_ADDRESS_SECONDS},
    )


def _refuse_if_over(
    row: Row, counts: list[tuple[str, int]], *, window_seconds: int, now: int
) -> None:
    """Raise if any count is at its limit, with the wait until each such count drops below it."""
    waits = [
        row[f"{name}_oldest"] + window_seconds - now
        for name, limit in counts
        if row[name] >= limit
    ]
    if waits:
        raise ThrottledError(max(1, *waits))
