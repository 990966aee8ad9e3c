"""FastAPI dependencies as `Annotated` aliases: `DatabaseDep`, `SettingsDep`, `CurrentUser`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from .db import Connection, Database
from .sessions import Principal, find_session
from .settings import Settings

__all__ = ["CurrentUser", "DatabaseDep", "SettingsDep", "UserScope"]

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


@dataclass(frozen=True, slots=True)
class UserScope:
    """The caller's bearer token and the database, not yet checked.

    `await current_user.run(work, *args)` opens one transaction, checks the
    token (401 if it opens no live session), calls `work(connection, user,
    *args)` and commits before the response is sent, all in one worker
    thread: blocking database calls never run on the event loop, and a
    request pays for one thread hop, not one per dependency.
    """

    database: Database
    token: str | None

    async def run(
        self,
        work: Callable[Concatenate[Connection, Principal, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run `work` as the authenticated user, inside one transaction."""
        return await run_in_threadpool(self._run, work, *args, **kwargs)

    def _run(
        self,
        work: Callable[Concatenate[Connection, Principal, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        with self.database.transaction() as connection:
            user = find_session(connection, self.token) if self.token else None
            if user is None:
                raise _unauthorized(self.token)
            return work(connection, user, *args, **kwargs)


async def user_scope(
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserScope:
    """Pair the request's token with the database; checking it needs the database."""
    return UserScope(database, credentials.credentials if credentials else None)


CurrentUser = Annotated[UserScope, Depends(user_scope)]


def _unauthorized(token: str | None) -> HTTPException:
    if token is None:
        return HTTPException(401, "not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    return HTTPException(
        401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )
