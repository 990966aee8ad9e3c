"""Two real server processes on one database share the throttle's counts.

Each replica is the service's own `python -m` server, listening on its own
port of 127.0.0.1, as behind a load balancer; an attacker alternating between them
gets no more guesses than against one.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

from conftest import PACKAGE, PASSWORD, MigratedDatabase

WRONG = "wrong password 12"  # pragma: allowlist secret - a test-only wrong password
PER_PAIR = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(port: int, path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=30)) as connection:
        payload = json.dumps(body)
        connection.request("POST", path, payload, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())


@contextmanager
def _replica(database_url: str, folder: Path) -> Iterator[int]:
    """Serve the app in a child process; yield its port once /healthz answers."""
    port = _free_port()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOGIN_THROTTLE_PER_PAIR": str(PER_PAIR),
        "PASSWORD_HASH_CONCURRENCY": "1",
    }
    with subprocess.Popen(  # noqa: S603 - the interpreter running the tests, fixed arguments
        [sys.executable, "-m", PACKAGE],
        cwd=folder,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as server:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=1)) as c:
                        c.request("GET", "/healthz")
                        if c.getresponse().status == 200:
                            break
                except OSError:
                    assert server.poll() is None, "the replica exited during start-up"
                    assert time.monotonic() < deadline, "the replica did not answer in 30 s"
                    time.sleep(0.1)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_two_replicas_on_one_database_share_the_counts(
    database: MigratedDatabase, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        first = stack.enter_context(_replica(database.app_url, tmp_path))
        second = stack.enter_context(_replica(database.app_url, tmp_path))
        credentials = {"username": "alice", "password": PASSWORD}
        assert _post(first, "/auth/register", credentials)[0] == 201
        wrong = {**credentials, "password": WRONG}
        statuses = [
            _post((first, second)[n % 2], "/auth/login", wrong)[0] for n in range(PER_PAIR)
        ]
        assert statuses == [401] * PER_PAIR
        for port in (first, second):  # both replicas see all the failures, whoever took them
            status, headers = _post(port, "/auth/login", credentials)
            assert status == 429
            assert int(headers["retry-after"]) >= 1
