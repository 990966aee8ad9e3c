"""The server as processes: WORKERS and the graceful stop, against `python -m <package> serve`.

Which process answers and what SIGTERM does are decided by uvicorn's supervisor
and server in real processes, so only a real server can show them. A request is
held in flight without any timing: it is sent with `Expect: 100-continue`, and
the server's `100 Continue` proves the app is reading its body; the test sends
the body only after SIGTERM. Every wait is bounded.
"""

import http.client
import json
import os
import socket
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import PASSWORD, MigratedDatabase
from replicas import STOPPED, Server, launch, request, run_to_exit

PROC = Path("/proc")
LINUX_ONLY = pytest.mark.skipif(
    not (PROC / "net" / "tcp").exists(),
    reason="which process holds a connection is read from /proc (Linux only)",
)
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
CREDENTIALS = {"username": "ada", "password": PASSWORD}
STARTUP_FAILURE = 3  # uvicorn's status for a server that could not start
WORKER_COUNTS = pytest.mark.parametrize("workers", ["1", "2"])


def _login_in_flight(port: int) -> tuple[socket.socket, bytes]:
    """A login whose body is held back: the server has answered `100 Continue`.

    Returns the connection and the body still to send.
    """
    status, _, _ = request(port, "POST", "/auth/register", CREDENTIALS)
    assert status == 201
    body = json.dumps(CREDENTIALS).encode()
    head = (
        "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(head.encode())
    interim = b""
    while not interim.endswith(b"\r\n\r\n"):
        chunk = connection.recv(1)
        assert chunk, "the server closed the connection before 100 Continue"
        interim += chunk
    assert interim.startswith(b"HTTP/1.1 100 ")
    return connection, body


def _refuses_new_connections(port: int, process: subprocess.Popen[str]) -> bool:
    """True once connecting is refused (the listening socket is closed), within 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.05)
    return False


def _finish(connection: socket.socket, body: bytes) -> bytes:
    """Send the held-back body; everything the server sends until it closes."""
    with connection:
        connection.sendall(body)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def _assert_stop_lets_the_request_finish(server: Server, workers: int) -> None:
    """SIGTERM with a login in flight: refused connections, then 200, then exit 0."""
    connection, body = _login_in_flight(server.port)
    server.stop()
    assert _refuses_new_connections(server.port, server.process)
    assert server.process.poll() is None, "the server exited with a request in flight"
    response = _finish(connection, body)
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(payload)["token_type"] == "bearer"
    assert server.process.wait(timeout=30) == 0
    assert server.count(STOPPED) == workers, "".join(server.lines)


def _children(pid: int) -> set[int]:
    children = (PROC / str(pid) / "task" / str(pid) / "children").read_text()
    return {int(child) for child in children.split()}


def _server_side_inode(server_port: int, client_port: int) -> str:
    """The socket inode of the server's end of the connection from `client_port`."""
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and (
            int(remote.split(":")[1], 16) == client_port
        ):
            return inode
    raise AssertionError(f"no server socket for client port {client_port}")


def _holder(pids: set[int], inode: str) -> int:
    """The process among `pids` that has the socket `inode` open."""
    target = f"socket:[{inode}]"
    for pid in pids:
        for descriptor in (PROC / str(pid) / "fd").iterdir():
            try:
                if os.readlink(descriptor) == target:
                    return pid
            except FileNotFoundError:
                continue
    raise AssertionError(f"no process holds {target}")


def _answering_processes(server: Server, wanted: int, attempts: int = 200) -> set[int]:
    """The processes that answered GET /healthz on new connections, until `wanted` did."""
    candidates = _children(server.process.pid)
    answered: set[int] = set()
    for _ in range(attempts):
        with closing(http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)) as client:
            client.request("GET", "/healthz")
            response = client.getresponse()
            assert response.status == 200
            response.read()
            assert client.sock is not None
            client_port = client.sock.getsockname()[1]
            answered.add(_holder(candidates, _server_side_inode(server.port, client_port)))
        if len(answered) >= wanted:
            break
    return answered


@LINUX_ONLY
@SQLITE_ONLY
def test_two_workers_answer_and_stop_cleanly(database: MigratedDatabase, tmp_path: Path) -> None:
    """WORKERS=2: two child processes answer on one port; SIGTERM stops both, status 0."""
    with launch(database.app_url, tmp_path, WORKERS="2") as server:
        workers = _answering_processes(server, wanted=2)
        assert len(workers) == 2
        assert server.process.pid not in workers
        _assert_stop_lets_the_request_finish(server, workers=2)
        assert not any((PROC / str(pid)).exists() for pid in workers)


def test_sigterm_lets_the_request_in_flight_finish(
    database: MigratedDatabase, tmp_path: Path
) -> None:
    """One process: the login in flight at SIGTERM gets its 200, new connections are refused."""
    with launch(database.app_url, tmp_path, SHUTDOWN_GRACE_SECONDS="30") as server:
        _assert_stop_lets_the_request_finish(server, workers=1)


@SQLITE_ONLY
def test_a_request_past_the_grace_period_is_cancelled(
    database: MigratedDatabase, tmp_path: Path
) -> None:
    """A body that never comes does not hold the stop: cancelled after the grace, status 0."""
    with launch(database.app_url, tmp_path, SHUTDOWN_GRACE_SECONDS="1") as server:
        connection, _ = _login_in_flight(server.port)
        with connection:
            server.stop()
            assert server.process.wait(timeout=30) == 0
        assert server.count("Cancel 1 running task(s), timeout graceful shutdown exceeded") == 1
        assert server.count(STOPPED) == 1


@SQLITE_ONLY
@WORKER_COUNTS
def test_an_app_that_cannot_be_built_stops_the_server_with_status_3(
    database: MigratedDatabase, tmp_path: Path, workers: str
) -> None:
    """Every worker fails to import the app: status 3 and the reason, never a restart loop.

    uvicorn's supervisor restarts a worker that exits with any other status,
    forever. The fault is real: argon2 is shadowed by a package that fails to
    import, as when the image lacks its native library (the supervisor never
    imports it; the app does).
    """
    shadow = tmp_path / "shadow" / "argon2"
    shadow.mkdir(parents=True)
    reason = "libargon2.so.1: cannot open shared object file"
    (shadow / "__init__.py").write_text(f"raise ImportError({reason!r})\n")
    started = time.monotonic()
    status, log = run_to_exit(
        database.app_url, tmp_path, WORKERS=workers, PYTHONPATH=str(shadow.parent)
    )
    assert status == STARTUP_FAILURE, log
    assert time.monotonic() - started < 30
    assert f"cannot start: ImportError: {reason}" in log
    assert "died" not in log  # uvicorn's word for a worker it restarts


@SQLITE_ONLY
@WORKER_COUNTS
def test_a_taken_port_stops_the_server_with_status_3(
    database: MigratedDatabase, tmp_path: Path, workers: str
) -> None:
    """Another process listens on PORT: a line naming the address, status 3."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        status, log = run_to_exit(database.app_url, tmp_path, PORT=port, WORKERS=workers)
    assert status == STARTUP_FAILURE, log
    assert "address already in use" in log.lower()
    assert f"127.0.0.1:{port}" in log or f"('127.0.0.1', {port})" in log
