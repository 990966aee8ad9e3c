"""FastAPI dependencies as `Annotated` aliases: `DatabaseDep`, `SettingsDep`, `CurrentUser`, ..."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from .db import Connection, Database
from .hash_gate import HashGate
from .sessions import Principal, find_session, looks_like_token
from .settings import Settings

__all__ = [
    "AuthenticatedUser",
    "ClientAddress",
    "CurrentUser",
    "DatabaseDep",
    "HashGateDep",
    "SettingsDep",
    "WritingUser",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")
_bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/login")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` in a
# worker thread, and each such hop costs more than the work itself.


async def get_database(request: Request) -> Database:
    """The app's database, opened once by the lifespan."""
    database = getattr(request.state, "database", None)
    if not isinstance(database, Database):
        raise RuntimeError("no database: the app's lifespan did not run (use `with TestClient`)")
    return database


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings = getattr(request.app.state, "settings", None)
    if not isinstance(settings, Settings):
        raise RuntimeError("no settings on the app: build it with create_app()")
    return settings


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_hash_gate(request: Request) -> HashGate:
    """The process's limit on concurrent password hashing, made by the lifespan."""
    gate = getattr(request.state, "hash_gate", None)
    if not isinstance(gate, HashGate):
        raise RuntimeError("no hash gate: the app's lifespan did not run (use `with TestClient`)")
    return gate


async def get_client_address(request: Request) -> str:
    """The peer's address as the server sees it (proxies are trusted only by configuration)."""
    return request.client.host if request.client else "unknown"


HashGateDep = Annotated[HashGate, Depends(get_hash_gate)]
ClientAddress = Annotated[str, Depends(get_client_address)]


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    """The caller, already authenticated, and the database to act in.

    The dependency that builds it has checked the token before the handler
    runs (401 otherwise), so a handler that only declares `CurrentUser` is
    protected even if it never touches the database. `await
    current_user.run(work, *args)` opens one transaction, calls `work(connection,
    principal, *args)` and commits before the response is sent, in one worker
    thread: blocking database calls never run on the event loop. `await
    current_user.read(work, *args)` does the same for a `work` that issues one
    SELECT, without the transaction: on PostgreSQL two round trips fewer
    (BEGIN, COMMIT), on SQLite no write lock, so reads never queue behind writers.

    The token check is one autocommit SELECT, ended before the handler runs:
    continuing a transaction from it into `run` would hold that transaction
    (on SQLite, the database's write lock) across the event loop, and under a
    login flood other requests would then time out waiting for that lock.
    """

    principal: Principal
    database: Database

    async def run(
        self,
        work: Callable[Concatenate[Connection, Principal, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run `work` as the authenticated user, inside one transaction."""
        return await run_in_threadpool(
            self._call, self.database.transaction, work, *args, **kwargs
        )

    async def read(
        self,
        work: Callable[Concatenate[Connection, Principal, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run `work`, which issues exactly one SELECT, outside a transaction.

        Several statements here would each see their own snapshot: use `run` for those.
        """
        return await run_in_threadpool(self._call, self.database.autocommit, work, *args, **kwargs)

    def _call(
        self,
        connect: Callable[[], AbstractContextManager[Connection]],
        work: Callable[Concatenate[Connection, Principal, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        with connect() as connection:
            return work(connection, self.principal, *args, **kwargs)


async def authenticate(
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthenticatedUser:
    """401 unless the request carries the token of a live session.

    A missing or malformed token is refused without touching the database.
    """
    if credentials is None:
        raise HTTPException(401, "not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    token = credentials.credentials
    principal = None
    if looks_like_token(token):
        principal = await run_in_threadpool(_lookup, database, token)
    if principal is None:
        raise HTTPException(
            401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    return AuthenticatedUser(principal, database)


CurrentUser = Annotated[AuthenticatedUser, Depends(authenticate)]


async def authenticate_for_write(current_user: CurrentUser) -> AuthenticatedUser:
    """403 for a read-only token: routes that change data need the `write` scope."""
    if not current_user.principal.can_write:
        raise HTTPException(
            403,
            "insufficient_scope",
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'},
        )
    return current_user


WritingUser = Annotated[AuthenticatedUser, Depends(authenticate_for_write)]


def _lookup(database: Database, token: str) -> Principal | None:
    # One SELECT: no transaction around it, so no write lock on SQLite, no BEGIN on PostgreSQL.
    with database.autocommit() as connection:
        return find_session(connection, token)
