"""The service's own server in child processes, for every test that needs a real one.

`launch` starts one `python -m <package> serve` on its own port of 127.0.0.1;
`launch_replicas` starts several at once, as behind a load balancer, and waits
for all of them together. A server is ready once it logged that it listens and
every worker's startup completed; `run_to_exit` runs one that should stop by
itself. Every wait is bounded.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from conftest import PACKAGE

__all__ = [
    "STARTED",
    "STOPPED",
    "Server",
    "free_port",
    "launch",
    "launch_replicas",
    "request",
    "run_to_exit",
]

STARTED = "Application startup complete."
LISTENING = "Uvicorn running on"
STOPPED = "Application shutdown complete."
_PORT_TAKEN = "address already in use"
_START_ATTEMPTS = 3  # another process may take a free port before the server binds it


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(
    port: int,
    method: str,
    path: str,
    body: object = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: status, headers (lowercase names), body."""
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=30)) as connection:
        payload = None if body is None else json.dumps(body)
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, payload, sent)
        response = connection.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content


@dataclass
class Server:
    """A running server: its process, its port and the lines it has logged so far."""

    process: subprocess.Popen[str]
    port: int
    workers: int
    lines: list[str] = field(default_factory=list[str])
    reader: threading.Thread | None = None

    def count(self, text: str) -> int:
        """How many logged lines contain `text`."""
        return sum(text in line for line in list(self.lines))

    def connect(self) -> socket.socket:
        """A new raw connection to the server."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def stop(self) -> int:
        """Send SIGTERM, as Kubernetes and `docker stop` do; return the process id."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.pid

    def access_lines(self, path: str) -> list[str]:
        """Messages of uvicorn's access log (JSON lines) for requests to `path`."""
        records = [json.loads(line) for line in list(self.lines) if line.startswith("{")]
        return [
            record["message"]
            for record in records
            if record["logger"] == "uvicorn.access" and f" {path} " in record["message"]
        ]

    def wait_for_access(self, path: str, count: int = 1) -> list[str]:
        """The access log's messages for `path` once `count` are there (at most 10 s)."""
        deadline = time.monotonic() + 10
        while len(self.access_lines(path)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.access_lines(path)

    def ready(self) -> bool:
        """True once it listens and every worker's startup is complete."""
        return self.count(STARTED) >= self.workers and self.count(LISTENING) > 0


@contextmanager
def launch(
    database_url: str, folder: Path, command: Sequence[str] = ("serve",), **variables: str
) -> Iterator[Server]:
    """`python -m <package> *command` with `variables` in `folder`, once it is ready."""
    with launch_replicas(1, database_url, folder, command, **variables) as (server,):
        yield server


@contextmanager
def launch_replicas(
    count: int,
    database_url: str,
    folder: Path,
    command: Sequence[str] = ("serve",),
    **variables: str,
) -> Iterator[list[Server]]:
    """`count` servers on one database, started at once; yielded once all are ready."""
    with ExitStack() as stack:
        servers = [
            stack.enter_context(_started(database_url, folder, command, variables))
            for _ in range(count)
        ]
        for index, server in enumerate(servers):
            for _ in range(_START_ATTEMPTS - 1):
                if _until_ready(server):
                    break
                # Its port was taken before it could bind: again on another one.
                server = stack.enter_context(_started(database_url, folder, command, variables))
                servers[index] = server
            assert _until_ready(server), "".join(server.lines)
        yield servers


def run_to_exit(
    database_url: str,
    folder: Path,
    command: Sequence[str] = ("serve",),
    *,
    timeout: float = 30,
    **variables: str,
) -> tuple[int, str]:
    """`python -m <package> *command` until it exits by itself: its status and its log.

    Fails the test if it still runs after `timeout` seconds (then it is killed).
    """
    with _started(database_url, folder, command, variables) as server:
        try:
            status: int | None = server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = None
    log = "".join(server.lines)
    assert status is not None, f"still running after {timeout} s:\n{log}"
    return status, log


@contextmanager
def _started(
    database_url: str, folder: Path, command: Sequence[str], variables: dict[str, str]
) -> Iterator[Server]:
    """The server process, started (not yet ready); stopped with what is left of its group."""
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PASSWORD_HASH_CONCURRENCY": "1",
        **variables,
    }
    with subprocess.Popen(  # noqa: S603 - the interpreter running the tests, fixed arguments
        [sys.executable, "-m", PACKAGE, *command],
        cwd=folder,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,  # its own group: the teardown can end workers a failed test left
    ) as process:
        server = Server(process, port, workers=int(variables.get("WORKERS", "1")))
        output = process.stderr
        assert output is not None
        server.reader = threading.Thread(target=lambda: server.lines.extend(output), daemon=True)
        server.reader.start()
        try:
            yield server
        finally:
            _end_group(process)
            server.reader.join(timeout=30)


def _until_ready(server: Server) -> bool:
    """Wait (at most 60 s) until `server` is ready: True, or False if its port was taken.

    Any other exit or the deadline fails the test with what the server logged.
    """
    deadline = time.monotonic() + 60
    while not server.ready():
        if server.process.poll() is not None:
            if server.reader is not None:
                server.reader.join(timeout=30)  # every line it logged
            if server.count(_PORT_TAKEN):
                return False
            raise AssertionError("the server exited during start-up:\n" + "".join(server.lines))
        assert time.monotonic() < deadline, "the server did not start in 60 s"
        time.sleep(0.02)
    return True


def _end_group(process: subprocess.Popen[str]) -> None:
    """Stop the server, then kill what is left of its group (orphaned workers included).

    A worker outliving its supervisor would keep stderr open, and the test run with it.
    """
    if process.poll() is None:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
