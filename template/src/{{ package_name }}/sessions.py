"""Login sessions: opaque random tokens, given to the client once, stored only as SHA-256.

A token carries 256 random bits, so an unsalted SHA-256 is enough to make a
leaked `sessions` table useless, and lookups stay a single indexed query.
"""

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from .db import Connection

__all__ = ["Principal", "end_session", "find_session", "hash_token", "start_session"]

_TOKEN_BYTES = 32
_WELL_FORMED_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and through which session (logout ends exactly that one)."""

    user_id: int
    username: str
    token_hash: str


def hash_token(token: str) -> str:
    """The form a token is stored and looked up in."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(connection: Connection, *, user_id: int, ttl_seconds: int) -> str:
    """Create a session and return its token; the user's expired sessions go too."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    now = int(time.time())
    connection.execute(
        "DELETE FROM sessions WHERE user_id = :user_id AND expires_at <= :now",
        {"user_id": user_id, "now": now},
    )
    connection.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at, created_at)"
        " VALUES (:token_hash, :user_id, :expires_at, :created_at)",
        {
            "token_hash": hash_token(token),
            "user_id": user_id,
            "expires_at": now + ttl_seconds,
            "created_at": now,
        },
    )
    return token


def find_session(connection: Connection, token: str) -> Principal | None:
    """The live session a token opens, or None (malformed, unknown or expired)."""
    if not _WELL_FORMED_TOKEN.fullmatch(token):
        return None
    token_hash = hash_token(token)
    row = connection.fetch_one(
        "SELECT users.id, users.username FROM sessions"
        " JOIN users ON users.id = sessions.user_id"
        " WHERE sessions.token_hash = :token_hash AND sessions.expires_at > :now",
        {"token_hash": token_hash, "now": int(time.time())},
    )
    if row is None:
        return None
    return Principal(user_id=row["id"], username=row["username"], token_hash=token_hash)


def end_session(connection: Connection, principal: Principal) -> None:
    """Revoke the session the principal came in with."""
    connection.execute(
        "DELETE FROM sessions WHERE token_hash = :token_hash",
        {"token_hash": principal.token_hash},
    )
