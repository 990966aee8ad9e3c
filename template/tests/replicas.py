"""Replicas for the multi-process tests: the service's own server in child processes.

Each replica is `python -m <package> serve` on its own port of 127.0.0.1, as
behind a load balancer; every wait is bounded.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from conftest import PACKAGE

__all__ = ["free_port", "replica", "request"]


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


@contextmanager
def replica(database_url: str, folder: Path, **variables: str) -> Iterator[int]:
    """Serve the app in a child process with `variables`; yield its port once /healthz answers."""
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
        [sys.executable, "-m", PACKAGE, "serve"],
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
