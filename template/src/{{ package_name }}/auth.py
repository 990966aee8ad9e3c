"""Registration, login and logout with argon2id passwords and opaque bearer tokens.

Both password routes are throttled in the database before any argon2 work
(429, `ThrottledError`), and the work itself goes through the process's hash
gate (503, `HashingBusyError`); app.py maps both errors to their answers.
Every refusal writes nothing but the throttle's own count.
"""

import secrets
import time
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.concurrency import run_in_threadpool

from .db import Database, Row
from .deps import ClientAddress, CurrentUser, DatabaseDep, HashGateDep, SettingsDep, WritingUser
from .hash_gate import HashGate, HashingBusyError
from .passwords import NewPassword, hash_password, needs_rehash, verify_password
from .sessions import Scope, end_all_sessions, end_session, start_session
from .settings import Settings
from .throttle import (
    LoginLimits,
    RegistrationLimits,
    address_key,
    check_login,
    check_registration,
    record_login_failure,
    record_login_success,
    record_registration,
)

__all__ = ["Credentials", "LoginRequest", "Registration", "TokenOut", "UserOut", "router"]

_Responses = dict[int | str, dict[str, Any]]  # FastAPI's `responses=` type

router = APIRouter(prefix="/auth", tags=["auth"])

Username = Annotated[
    str, StringConstraints(min_length=3, max_length=32, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]
Password = Annotated[str, StringConstraints(min_length=12, max_length=128)]


class Credentials(BaseModel):
    """A username (lowercase letters, digits, `_.-`) and a 12-128 character password."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password


class LoginRequest(Credentials):
    """Credentials, and the scope the token should carry: `read` tokens may only read."""

    scope: Scope = "write"


class Registration(Credentials):
    """New credentials: the password must also pass the rules of `passwords.NewPassword`."""

    password: NewPassword


class UserOut(BaseModel):
    """A user as others may see it: never the password hash."""

    id: int
    username: str


class TokenOut(BaseModel):
    """A bearer token: send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the RFC 6750 scheme name, not a secret
    expires_in: int
    scope: Scope


_CONFLICT: _Responses = {status.HTTP_409_CONFLICT: {"description": "The username is taken"}}
_UNAUTHORIZED: _Responses = {status.HTTP_401_UNAUTHORIZED: {"description": "Not authenticated"}}
_FORBIDDEN: _Responses = {status.HTTP_403_FORBIDDEN: {"description": "The token is read-only"}}
_REFUSED: _Responses = {
    status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many attempts: see Retry-After"},
    status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Hashing at capacity: see Retry-After"},
}


@router.post("/register", status_code=status.HTTP_201_CREATED, responses={**_CONFLICT, **_REFUSED})
async def register(
    credentials: Registration,
    database: DatabaseDep,
    settings: SettingsDep,
    gate: HashGateDep,
    client_address: ClientAddress,
) -> UserOut:
    """Create a user; the password is stored only as an argon2id hash.

    A taken name costs the same hash and the same throttle count as a new one.
    """
    address = address_key(client_address)
    limits = RegistrationLimits.from_settings(settings)
    await run_in_threadpool(_check_registration, database, limits, address)
    password_hash = await gate.run(hash_password, credentials.password)
    row = await run_in_threadpool(
        _insert_user, database, credentials.username, password_hash, address
    )
    if row is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "username_taken")
    return UserOut(id=row["id"], username=credentials.username)


@router.post("/login", responses={**_UNAUTHORIZED, **_REFUSED})
async def login(
    credentials: LoginRequest,
    database: DatabaseDep,
    settings: SettingsDep,
    gate: HashGateDep,
    client_address: ClientAddress,
) -> TokenOut:
    """Trade a username and password for a session token.

    An unknown user costs the same argon2 work and the same throttle count as a
    wrong password, so neither the answer nor its timing tells which usernames exist.
    """
    address = address_key(client_address)
    limits = LoginLimits.from_settings(settings)
    username = credentials.username
    user = await run_in_threadpool(_check_login, database, limits, username, address)
    stored_hash: str | None = user["password_hash"] if user is not None else None
    matches = await gate.run(_password_matches, stored_hash, credentials.password)
    if user is None or stored_hash is None or not matches:
        await run_in_threadpool(_record_failure, database, username, address)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid_credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    new_hash = await _rehash(gate, stored_hash, credentials.password)
    scope = credentials.scope
    token = await run_in_threadpool(
        _open_session, database, settings, user["id"], username, address, scope, new_hash
    )
    return TokenOut(access_token=token, expires_in=settings.session_ttl_seconds, scope=scope)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHORIZED)
async def logout(current_user: CurrentUser) -> None:
    """Revoke the session this request's token belongs to (a read-only token may too)."""
    await current_user.run(end_session)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_UNAUTHORIZED, **_FORBIDDEN},
)
async def logout_all(current_user: WritingUser) -> None:
    """Revoke every session of the caller's user, this one included."""
    await current_user.run(end_all_sessions)


@router.get("/me", responses=_UNAUTHORIZED)
async def me(current_user: CurrentUser) -> UserOut:
    """Who the token belongs to (the dependency has already looked it up)."""
    principal = current_user.principal
    return UserOut(id=principal.user_id, username=principal.username)


async def _rehash(gate: HashGate, stored_hash: str, password: str) -> str | None:
    """A hash with today's parameters if the stored one is outdated; None if not (or busy)."""
    if not needs_rehash(stored_hash):
        return None
    try:
        return await gate.run(hash_password, password)
    except HashingBusyError:
        return None  # the login still succeeds; the upgrade waits for the next one


def _check_registration(database: Database, limits: RegistrationLimits, address: str) -> None:
    with database.transaction() as connection:
        check_registration(connection, limits, address=address, now=int(time.time()))


def _insert_user(
    database: Database, username: str, password_hash: str, address: str
) -> Row | None:
    """Insert the user (None if the name is taken) and count the attempt either way."""
    now = int(time.time())
    with database.transaction() as connection:
        record_registration(connection, address=address, now=now)
        return connection.fetch_one(
            "INSERT INTO users (username, password_hash, created_at)"
            " VALUES (:username, :password_hash, :created_at)"
            " ON CONFLICT (username) DO NOTHING RETURNING id",
            {"username": username, "password_hash": password_hash, "created_at": now},
        )


def _check_login(
    database: Database, limits: LoginLimits, username: str, address: str
) -> Row | None:
    """429 if throttled, else the user's row (None for an unknown username)."""
    with database.transaction() as connection:
        check_login(connection, limits, username=username, address=address, now=int(time.time()))
        return connection.fetch_one(
            "SELECT id, password_hash FROM users WHERE username = :username",
            {"username": username},
        )


def _password_matches(stored_hash: str | None, password: str) -> bool:
    """Verify against the user's hash, or against a dummy one for an unknown user."""
    matches = verify_password(stored_hash or _unknown_user_hash(), password)
    return matches and stored_hash is not None


def _record_failure(database: Database, username: str, address: str) -> None:
    with database.transaction() as connection:
        record_login_failure(connection, username=username, address=address, now=int(time.time()))


def _open_session(
    database: Database,
    settings: Settings,
    user_id: int,
    username: str,
    address: str,
    scope: Scope,
    new_hash: str | None,
) -> str:
    with database.transaction() as connection:
        record_login_success(connection, username=username, address=address, now=int(time.time()))
        if new_hash is not None:
            connection.execute(
                "UPDATE users SET password_hash = :password_hash WHERE id = :id",
                {"password_hash": new_hash, "id": user_id},
            )
        return start_session(
            connection,
            user_id=user_id,
            ttl_seconds=settings.session_ttl_seconds,
            scope=scope,
            max_per_user=settings.session_max_per_user,
        )


@cache
def _unknown_user_hash() -> str:
    """A real hash of a random password, made once, for logins with unknown usernames."""
    return hash_password(secrets.token_urlsafe(32))
