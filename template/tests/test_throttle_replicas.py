"""Two real server processes on one database share the throttle's counts.

Each replica is the service's own `python -m <package> serve` (tests/replicas.py)
on its own port of 127.0.0.1, as behind a load balancer; an attacker alternating
between them gets no more guesses than against one.
"""

from pathlib import Path

from conftest import PASSWORD, MigratedDatabase
from replicas import launch_replicas, request

WRONG = "wrong password 12"  # pragma: allowlist secret - a test-only wrong password
PER_PAIR = 3
THROTTLE = {"LOGIN_THROTTLE_PER_PAIR": str(PER_PAIR)}


def _post(port: int, path: str, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    status, headers, _ = request(port, "POST", path, body)
    return status, headers


def test_two_replicas_on_one_database_share_the_counts(
    database: MigratedDatabase, tmp_path: Path
) -> None:
    with launch_replicas(2, database.app_url, tmp_path, **THROTTLE) as servers:
        first, second = (server.port for server in servers)
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
