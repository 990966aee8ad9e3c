"""Notes: each user's own rows. Every query filters by owner, so others' notes are 404."""

import time
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, StringConstraints

from .db import Connection, Row
from .deps import CurrentUser, WritingUser
from .sessions import Principal
from .text import MultiLine, SingleLine

__all__ = ["NoteIn", "NoteOut", "router"]

_Responses = dict[int | str, dict[str, Any]]  # FastAPI's `responses=` type

router = APIRouter(prefix="/notes", tags=["notes"])

_MAX_ID = 2**63 - 1  # both backends store ids as 64-bit integers
NoteId = Annotated[int, Path(ge=1, le=_MAX_ID)]
# Titles are one line of visible text; bodies may also hold newlines and tabs (text.py).
Title = Annotated[str, StringConstraints(min_length=1, max_length=200), SingleLine]
Body = Annotated[str, StringConstraints(max_length=10_000), MultiLine]
_NOT_FOUND: _Responses = {status.HTTP_404_NOT_FOUND: {"description": "No such note of yours"}}
_FORBIDDEN: _Responses = {status.HTTP_403_FORBIDDEN: {"description": "The token is read-only"}}


class NoteIn(BaseModel):
    """What a client may set on a note."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""


class NoteOut(BaseModel):
    """A note as its owner sees it."""

    id: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        """Build from a `notes` row (times are stored as Unix seconds)."""
        return cls(
            id=row["id"],
            title=row["title"],
            body=row["body"],
            created_at=datetime.fromtimestamp(row["created_at"], UTC),
            updated_at=datetime.fromtimestamp(row["updated_at"], UTC),
        )


# The dependency has checked the token (and, for `WritingUser`, its write scope);
# each endpoint hands one function to `current_user.run`, which runs it in one
# transaction, or, when that function is a single SELECT, to `current_user.read`.
# Every query filters by the caller's id.


@router.post("", status_code=status.HTTP_201_CREATED, responses=_FORBIDDEN)
async def create_note(note: NoteIn, current_user: WritingUser) -> NoteOut:
    """Create a note owned by the caller."""
    return await current_user.run(_insert, note)


@router.get("")
async def list_notes(
    current_user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[NoteOut]:
    """The caller's notes, oldest first."""
    return await current_user.read(_select_page, limit, offset)


@router.get("/{note_id}", responses=_NOT_FOUND)
async def get_note(note_id: NoteId, current_user: CurrentUser) -> NoteOut:
    """One of the caller's notes."""
    return await current_user.read(_select_one, note_id)


@router.put("/{note_id}", responses={**_NOT_FOUND, **_FORBIDDEN})
async def update_note(note_id: NoteId, note: NoteIn, current_user: WritingUser) -> NoteOut:
    """Replace the title and body of one of the caller's notes."""
    return await current_user.run(_update, note_id, note)


@router.delete(
    "/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**_NOT_FOUND, **_FORBIDDEN}
)
async def delete_note(note_id: NoteId, current_user: WritingUser) -> None:
    """Delete one of the caller's notes."""
    await current_user.run(_delete, note_id)


def _insert(connection: Connection, user: Principal, note: NoteIn) -> NoteOut:
    now = int(time.time())
    row = connection.fetch_one(
        "INSERT INTO notes (owner_id, title, body, created_at, updated_at)"
        " VALUES (:owner_id, :title, :body, :now, :now)"
        " RETURNING id, title, body, created_at, updated_at",
        {"owner_id": user.user_id, "title": note.title, "body": note.body, "now": now},
    )
    if row is None:  # RETURNING always yields the new row
        raise RuntimeError("INSERT ... RETURNING returned no row")
    return NoteOut.from_row(row)


def _select_page(
    connection: Connection, user: Principal, limit: int, offset: int
) -> list[NoteOut]:
    rows = connection.fetch_all(
        "SELECT id, title, body, created_at, updated_at FROM notes"
        " WHERE owner_id = :owner_id ORDER BY id LIMIT :limit OFFSET :offset",
        {"owner_id": user.user_id, "limit": limit, "offset": offset},
    )
    return [NoteOut.from_row(row) for row in rows]


def _select_one(connection: Connection, user: Principal, note_id: int) -> NoteOut:
    row = connection.fetch_one(
        "SELECT id, title, body, created_at, updated_at FROM notes"
        " WHERE id = :id AND owner_id = :owner_id",
        {"id": note_id, "owner_id": user.user_id},
    )
    return NoteOut.from_row(_found(row))


def _update(connection: Connection, user: Principal, note_id: int, note: NoteIn) -> NoteOut:
    row = connection.fetch_one(
        "UPDATE notes SET title = :title, body = :body, updated_at = :now"
        " WHERE id = :id AND owner_id = :owner_id"
        " RETURNING id, title, body, created_at, updated_at",
        {
            "title": note.title,
            "body": note.body,
            "now": int(time.time()),
            "id": note_id,
            "owner_id": user.user_id,
        },
    )
    return NoteOut.from_row(_found(row))


def _delete(connection: Connection, user: Principal, note_id: int) -> None:
    deleted = connection.execute(
        "DELETE FROM notes WHERE id = :id AND owner_id = :owner_id",
        {"id": note_id, "owner_id": user.user_id},
    )
    if deleted != 1:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not_found")


def _found(row: Row | None) -> Row:
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not_found")
    return row
