"""Login sessions: opaque random tokens, given to the client once, stored only as SHA-256.

A token carries 256 random bits, so an unsalted SHA-256 is enough to make a
leaked `sessions` table useless, and lookups stay a single indexed query.
Each session has a scope: `write` (everything the user may do) or `read`
(GET routes only), so a token handed to a dashboard cannot change data.
"""

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Final, Literal

from .db import Connection

__all__ = [
    "Principal",
    "Scope",
    "end_all_sessions",
    "end_session",
    "find_session",
    "hash_token",
    "looks_like_token",
    "start_session",
]

Scope = Literal["read", "write"]

_TOKEN_BYTES: Final = 32
_WELL_FORMED_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, with what scope, and through which session (logout ends that one)."""

    user_id: int
    username: str
    token_hash: str
    scope: Scope

    @property
    def can_write(self) -> bool:
        """True for a full token; a read-only token may only read."""
        return self.scope == "write"


def hash_token(token: str) -> str:
    """The form a token is stored and looked up in."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(token: str) -> bool:
    """True if `token` has the shape of one we issue (checked before any query)."""
    return _WELL_FORMED_TOKEN.fullmatch(token) is not None


def start_session(
    connection: Connection,
    *,
    user_id: int,
    ttl_seconds: int,
    scope: Scope = "write",
    max_per_user: int | None = None,
) -> str:
    """Create a session and return its token.

    The user's expired sessions go too, and with `max_per_user` the oldest live
    ones beyond that many are revoked, so a user never holds unlimited sessions.
    """
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    now = int(time.time())
    connection.execute(
        "DELETE FROM sessions WHERE user_id = :user_id AND expires_at <= :now",
        {"user_id": user_id, "now": now},
    )
    connection.execute(
        "INSERT INTO sessions (token_hash, user_id, scope, expires_at, created_at)"
        " VALUES (:token_hash, :user_id, :scope, :expires_at, :created_at)",
        {
            "token_hash": hash_token(token),
            "user_id": user_id,
            "scope": scope,
            "expires_at": now + ttl_seconds,
            "created_at": now,
        },
    )
    if max_per_user is not None:
        # `id` grows with every insert, so it orders sessions created in the same second.
        connection.execute(
            "DELETE FROM sessions WHERE user_id = :user_id AND id NOT IN"
            " (SELECT id FROM sessions WHERE user_id = :user_id ORDER BY id DESC LIMIT :keep)",
            {"user_id": user_id, "keep": max_per_user},
        )
    return token


def find_session(connection: Connection, token: str) -> Principal | None:
    """The live session a token opens, or None (malformed, unknown or expired)."""
    if not looks_like_token(token):
        return None
    token_hash = hash_token(token)
    row = connection.fetch_one(
        "SELECT users.id, users.username, sessions.scope FROM sessions"
        " JOIN users ON users.id = sessions.user_id"
        " WHERE sessions.token_hash = :token_hash AND sessions.expires_at > :now",
        {"token_hash": token_hash, "now": int(time.time())},
    )
    if row is None:
        return None
    scope: Scope = "write" if row["scope"] == "write" else "read"
    return Principal(
        user_id=row["id"], username=row["username"], token_hash=token_hash, scope=scope
    )


def end_session(connection: Connection, principal: Principal) -> None:
    """Revoke the session the principal came in with."""
    connection.execute(
        "DELETE FROM sessions WHERE token_hash = :token_hash",
        {"token_hash": principal.token_hash},
    )


def end_all_sessions(connection: Connection, principal: Principal) -> int:
    """Revoke every session of the principal's user ("log out everywhere"); return how many."""
    return connection.execute(
        "DELETE FROM sessions WHERE user_id = :user_id", {"user_id": principal.user_id}
    )
