"""Registration, login and logout with argon2id passwords and opaque bearer tokens."""

import secrets
import time
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, StringConstraints

from .db import Connection
from .deps import CurrentUser, DatabaseDep, SettingsDep
from .passwords import hash_password, needs_rehash, verify_password
from .sessions import Principal, end_session, start_session

__all__ = ["Credentials", "TokenOut", "UserOut", "router"]

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


class UserOut(BaseModel):
    """A user as others may see it: never the password hash."""

    id: int
    username: str


class TokenOut(BaseModel):
    """A bearer token: send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the RFC 6750 scheme name, not a secret
    expires_in: int


_CONFLICT: _Responses = {status.HTTP_409_CONFLICT: {"description": "The username is taken"}}
_UNAUTHORIZED: _Responses = {status.HTTP_401_UNAUTHORIZED: {"description": "Not authenticated"}}


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=_CONFLICT)
def register(credentials: Credentials, database: DatabaseDep) -> UserOut:
    """Create a user; the password is stored only as an argon2id hash."""
    password_hash = hash_password(credentials.password)  # slow on purpose: outside the transaction
    with database.transaction() as connection:
        row = connection.fetch_one(
            "INSERT INTO users (username, password_hash, created_at)"
            " VALUES (:username, :password_hash, :created_at)"
            " ON CONFLICT (username) DO NOTHING RETURNING id",
            {
                "username": credentials.username,
                "password_hash": password_hash,
                "created_at": int(time.time()),
            },
        )
    if row is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "username_taken")
    return UserOut(id=row["id"], username=credentials.username)


@router.post("/login", responses=_UNAUTHORIZED)
def login(credentials: Credentials, database: DatabaseDep, settings: SettingsDep) -> TokenOut:
    """Trade a username and password for a session token.

    An unknown user costs the same argon2 work as a wrong password, so the
    answer's timing does not tell which usernames exist.
    """
    with database.transaction() as connection:
        user = connection.fetch_one(
            "SELECT id, password_hash FROM users WHERE username = :username",
            {"username": credentials.username},
        )
    stored_hash: str = user["password_hash"] if user is not None else _unknown_user_hash()
    if not verify_password(stored_hash, credentials.password) or user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid_credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    new_hash = hash_password(credentials.password) if needs_rehash(stored_hash) else None
    ttl = settings.session_ttl_seconds
    with database.transaction() as connection:
        if new_hash is not None:
            connection.execute(
                "UPDATE users SET password_hash = :password_hash WHERE id = :id",
                {"password_hash": new_hash, "id": user["id"]},
            )
        token = start_session(connection, user_id=user["id"], ttl_seconds=ttl)
    return TokenOut(access_token=token, expires_in=ttl)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHORIZED)
async def logout(current_user: CurrentUser) -> None:
    """Revoke the session this request's token belongs to."""
    await current_user.run(end_session)


@router.get("/me", responses=_UNAUTHORIZED)
async def me(current_user: CurrentUser) -> UserOut:
    """Who the token belongs to."""
    return await current_user.run(_describe)


def _describe(_: Connection, user: Principal) -> UserOut:
    return UserOut(id=user.user_id, username=user.username)


@cache
def _unknown_user_hash() -> str:
    """A real hash of a random password, made once, for logins with unknown usernames."""
    return hash_password(secrets.token_urlsafe(32))
