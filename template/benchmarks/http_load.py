"""Load for the HTTP benchmarks: an app served by a child process, and keep-alive clients.

Each HTTP benchmark runs its own script again as the server (`python SCRIPT
serve ... PORT`), so the app under load never shares a process, or a GIL, with
the clients that measure it. Not a benchmark itself: `nox -s bench` runs only
the `bench_*.py` files.
"""

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import NamedTuple

__all__ = ["Served", "requests_per_second", "serving", "verdict"]

_START_SECONDS = 30


class Served(NamedTuple):
    """A server started by `serving`: where it listens and its process id."""

    port: int
    pid: int


@contextmanager
def serving(script: str, *arguments: str) -> Iterator[Served]:
    """Run `python script serve *arguments PORT` for the block, from when /healthz answers 200."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    child = subprocess.Popen(  # noqa: S603 - the benchmark's own script, with arguments it chose
        [sys.executable, script, "serve", *arguments, str(port)]
    )
    try:
        deadline = time.monotonic() + _START_SECONDS
        while not _answers(port):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} serve {' '.join(arguments)}: not answering")
            time.sleep(0.1)
        yield Served(port, child.pid)
    finally:
        child.terminate()
        child.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=1)) as connection:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
    except OSError:
        return False


def requests_per_second(
    port: int, path: str, headers: dict[str, str], count: int, *, clients: int = 1
) -> float:
    """One round: `clients` keep-alive connections at once, `count` GETs each, every one 200."""
    failures: list[int] = []

    def client() -> None:
        with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=30)) as connection:
            for _ in range(count):
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return

    others = [threading.Thread(target=client) for _ in range(clients - 1)]
    start = time.perf_counter()
    for thread in others:
        thread.start()
    client()  # the first client runs here: one client measures no thread switching
    for thread in others:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{path} answered {sorted(set(failures))}")
    return clients * count / elapsed


def verdict(ratio: float, target: float) -> str:
    """`ratio 0.912 (target >= 0.85): within target`, or UNDER TARGET."""
    met = "within target" if ratio >= target else "UNDER TARGET"
    return f"ratio {ratio:.3f} (target >= {target:.2f}): {met}"
