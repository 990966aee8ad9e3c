"""The HTTP edge against a real server: `python -m <package>` on 127.0.0.1, raw sockets.

Request smuggling, slow clients and the client address uvicorn logs are decided by
the server's HTTP implementation, so no in-process client can show them. Every
test is bounded: a few connections, a few seconds.
"""

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from replicas import Server, launch

HEADER_TIMEOUT_SECONDS = 1
KEEP_ALIVE_SECONDS = 1
SLOW_CLIENTS = 40
# One worker runs the module, and its two servers live for that worker's session:
# pytest-xdist interleaves other modules' tests with these, and a module-scoped
# server would be stopped and started again at each switch.
pytestmark = pytest.mark.xdist_group("edge_server")


def _serve(directory: Path, **variables: str) -> Iterator[Server]:
    """`python -m <package>` (serve, the default command) on a fresh SQLite file."""
    with launch(
        f"sqlite:///{directory / 'service.sqlite3'}",
        directory,
        command=(),
        HTTP_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT_SECONDS),
        HTTP_KEEP_ALIVE_SECONDS=str(KEEP_ALIVE_SECONDS),
        **variables,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service with its defaults: no trusted proxy."""
    yield from _serve(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service behind a reverse proxy on loopback (FORWARDED_ALLOW_IPS=127.0.0.1)."""
    yield from _serve(tmp_path_factory.mktemp("proxied"), FORWARDED_ALLOW_IPS="127.0.0.1")


def _read_until_closed(connection: socket.socket, seconds: float) -> tuple[bytes, bool]:
    """Everything the server sends within `seconds`, and whether it closed the connection."""
    received = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        connection.settimeout(left)
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            return received, False
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk
    return received, False


def _get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


SMUGGLED = _get("/healthz?smuggled=1")


class TestRequestSmuggling:
    @pytest.mark.parametrize(
        "framing",
        [
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
        ],
    )
    def test_content_length_with_transfer_encoding_is_refused_and_closed(
        self, server: Server, framing: bytes
    ) -> None:
        """One 400 with the generic body; the request hidden behind it is never answered."""
        request = (
            b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n" + framing + b"\r\n0\r\n\r\n" + SMUGGLED
        )
        with server.connect() as connection:
            connection.sendall(request)
            received, closed = _read_until_closed(connection, 5)
        assert closed, "the server kept the connection open"
        assert received.count(b"HTTP/1.1 ") == 1
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ")
        assert b"connection: close" in head.lower()
        assert b"content-type: application/json" in head.lower()
        error = json.loads(body)
        assert error["error"] == "ambiguous_request_framing"
        assert set(error) == {"error", "request_id"}
        assert server.wait_for_access("/auth/login")
        assert not server.access_lines("/healthz?smuggled=1")

    def test_a_well_framed_pipeline_is_still_answered(self, server: Server) -> None:
        """The refusal above is about ambiguity, not pipelining: two plain GETs both answer."""
        with server.connect() as connection:
            connection.sendall(_get("/healthz") + _get("/healthz", "Connection: close"))
            received, closed = _read_until_closed(connection, 5)
        assert closed
        assert received.count(b"HTTP/1.1 200 ") == 2


class TestSlowClients:
    def test_slow_header_clients_are_dropped_within_the_deadline(self, server: Server) -> None:
        """Clients trickling a header byte at a time lose their connections at the deadline."""
        started = time.monotonic()
        clients = [server.connect() for _ in range(SLOW_CLIENTS)]
        closed_after: dict[int, float] = {}
        try:
            for client in clients:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            limit = HEADER_TIMEOUT_SECONDS + 4
            while len(closed_after) < len(clients) and time.monotonic() - started < limit:
                for index, client in enumerate(clients):
                    if index in closed_after:
                        continue
                    readable, _, _ = select.select([client], [], [], 0)
                    try:
                        if readable and not client.recv(1024):
                            closed_after[index] = time.monotonic() - started
                        else:
                            client.sendall(b"a")
                    except OSError:
                        closed_after[index] = time.monotonic() - started
                time.sleep(0.1)
        finally:
            for client in clients:
                client.close()
        assert len(closed_after) == SLOW_CLIENTS, "some slow clients were still connected"
        assert max(closed_after.values()) < HEADER_TIMEOUT_SECONDS + 3
        with server.connect() as connection:
            connection.sendall(_get("/healthz", "Connection: close"))
            assert _read_until_closed(connection, 5)[0].startswith(b"HTTP/1.1 200 ")

    def test_an_idle_keep_alive_connection_is_closed(self, server: Server) -> None:
        with server.connect() as connection:
            connection.sendall(_get("/healthz"))
            started = time.monotonic()
            received, closed = _read_until_closed(connection, KEEP_ALIVE_SECONDS + 3)
        assert received.startswith(b"HTTP/1.1 200 ")
        assert closed
        assert time.monotonic() - started < KEEP_ALIVE_SECONDS + 3


class TestClientAddress:
    """What uvicorn's access log records as the client (the app sees the same address)."""

    @staticmethod
    def _logged_client(server: Server, marker: str, *headers: str) -> str:
        path = f"/healthz?probe={marker}"
        with server.connect() as connection:
            connection.sendall(_get(path, *headers, "Connection: close"))
            assert _read_until_closed(connection, 5)[0].startswith(b"HTTP/1.1 200 ")
        (line,) = server.wait_for_access(path)
        return line.partition(" - ")[0]

    def test_x_forwarded_for_is_ignored_by_default(self, server: Server) -> None:
        client = self._logged_client(server, "default", "X-Forwarded-For: 203.0.113.9")
        assert client.startswith("127.0.0.1:")

    def test_x_forwarded_for_is_honoured_from_an_allowed_proxy(
        self, proxied_server: Server
    ) -> None:
        client = self._logged_client(proxied_server, "allowed", "X-Forwarded-For: 203.0.113.9")
        assert client == "203.0.113.9:0"

    @pytest.mark.parametrize(
        ("marker", "forwarded"),
        [("markup", "<script>x</script>"), ("name", "evil.example"), ("empty", "")],
    )
    def test_a_value_that_is_not_an_ip_is_never_logged_as_the_client(
        self, proxied_server: Server, marker: str, forwarded: str
    ) -> None:
        client = self._logged_client(proxied_server, marker, f"X-Forwarded-For: {forwarded}")
        assert client.startswith("127.0.0.1:")
