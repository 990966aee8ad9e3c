"""Notes through the API: full CRUD for the owner, nothing at all for anyone else."""

import sqlite3
from contextlib import closing

import pytest
from conftest import MigratedDatabase, register_and_login
from fastapi.testclient import TestClient


@pytest.fixture
def alice(client: TestClient) -> dict[str, str]:
    return register_and_login(client, "alice")


@pytest.fixture
def bob(client: TestClient) -> dict[str, str]:
    return register_and_login(client, "bob")


def _create(client: TestClient, headers: dict[str, str], title: str = "t") -> int:
    response = client.post("/notes", json={"title": title, "body": "b"}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


class TestOwnerCrud:
    def test_create_then_get(self, client: TestClient, alice: dict[str, str]) -> None:
        created = client.post(
            "/notes", json={"title": "Groceries", "body": "eggs\nmilk"}, headers=alice
        )
        assert created.status_code == 201
        note = created.json()
        assert note["title"] == "Groceries"
        assert note["body"] == "eggs\nmilk"
        assert note["created_at"] == note["updated_at"]
        fetched = client.get(f"/notes/{note['id']}", headers=alice)
        assert fetched.json() == note

    def test_list_is_oldest_first_and_paged(
        self, client: TestClient, alice: dict[str, str]
    ) -> None:
        ids = [_create(client, alice, f"n{i}") for i in range(3)]
        everything = client.get("/notes", headers=alice).json()
        assert [note["id"] for note in everything] == ids
        page = client.get("/notes", params={"limit": 1, "offset": 1}, headers=alice).json()
        assert [note["id"] for note in page] == ids[1:2]

    def test_update_replaces_title_and_body(
        self, client: TestClient, alice: dict[str, str]
    ) -> None:
        note_id = _create(client, alice)
        response = client.put(f"/notes/{note_id}", json={"title": "new"}, headers=alice)
        assert response.status_code == 200
        assert (response.json()["title"], response.json()["body"]) == ("new", "")

    def test_delete_then_gone(self, client: TestClient, alice: dict[str, str]) -> None:
        note_id = _create(client, alice)
        assert client.delete(f"/notes/{note_id}", headers=alice).status_code == 204
        assert client.get(f"/notes/{note_id}", headers=alice).status_code == 404
        assert client.delete(f"/notes/{note_id}", headers=alice).status_code == 404

    @pytest.mark.parametrize("database", ["sqlite"], indirect=True)
    def test_reads_answer_while_a_writer_holds_the_write_lock(
        self, client: TestClient, alice: dict[str, str], database: MigratedDatabase
    ) -> None:
        """A one-SELECT read takes no transaction, so it never queues behind a writer."""
        note_id = _create(client, alice)
        path = database.owner_url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(path, isolation_level=None)) as writer:
            writer.execute("BEGIN IMMEDIATE")  # what every write transaction takes first
            try:
                assert client.get(f"/notes/{note_id}", headers=alice).status_code == 200
                listed = client.get("/notes", headers=alice)
                assert [note["id"] for note in listed.json()] == [note_id]
            finally:
                writer.execute("ROLLBACK")

    def test_notes_need_a_session(self, client: TestClient) -> None:
        assert client.get("/notes").status_code == 401
        assert client.post("/notes", json={"title": "t"}).status_code == 401


class TestOtherUsersRows:
    """Bob learns nothing about Alice's note, not even that it exists."""

    def test_bob_cannot_read_it(
        self, client: TestClient, alice: dict[str, str], bob: dict[str, str]
    ) -> None:
        note_id = _create(client, alice)
        missing = client.get("/notes/999999", headers=bob)
        theirs = client.get(f"/notes/{note_id}", headers=bob)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["error"] == missing.json()["error"] == "not_found"
        assert client.get("/notes", headers=bob).json() == []

    def test_bob_cannot_change_or_delete_it(
        self, client: TestClient, alice: dict[str, str], bob: dict[str, str]
    ) -> None:
        note_id = _create(client, alice, "alice's")
        update = client.put(f"/notes/{note_id}", json={"title": "pwned"}, headers=bob)
        delete = client.delete(f"/notes/{note_id}", headers=bob)
        assert update.status_code == delete.status_code == 404
        still = client.get(f"/notes/{note_id}", headers=alice)
        assert still.status_code == 200
        assert still.json()["title"] == "alice's"


class TestNoteInput:
    @pytest.mark.parametrize(
        "payload",
        [
            {"title": ""},
            {"title": "x" * 201},
            {"title": "tab\tin title"},
            {"title": "nul\x00"},
            {"title": "ok", "body": "x" * 10_001},
            {"title": "ok", "body": "bell\x07"},
            {"title": "ok", "owner_id": 2},  # no mass assignment
            {"body": "no title"},
            {"title": 5},
        ],
    )
    def test_invalid_notes_are_422(
        self, client: TestClient, alice: dict[str, str], payload: dict[str, object]
    ) -> None:
        response = client.post("/notes", json=payload, headers=alice)
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"

    @pytest.mark.parametrize("note_id", ["0", "-1", str(2**63), "abc", "1.5"])
    def test_ids_outside_the_64_bit_range_are_422(
        self, client: TestClient, alice: dict[str, str], note_id: str
    ) -> None:
        assert client.get(f"/notes/{note_id}", headers=alice).status_code == 422

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
    def test_paging_is_bounded(
        self, client: TestClient, alice: dict[str, str], params: dict[str, int]
    ) -> None:
        assert client.get("/notes", params=params, headers=alice).status_code == 422
