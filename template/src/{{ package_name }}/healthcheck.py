"""`python -m <package>.healthcheck`: the container's health probe, so the image needs no curl."""

import http.client
import ipaddress
import sys

from .settings import get_settings

__all__ = ["main", "probe", "probe_host", "probe_host_header"]


def probe_host(bind_host: str) -> str:
    """Where to reach a server bound to `bind_host`: a wildcard bind is reached on loopback."""
    try:
        address = ipaddress.ip_address(bind_host)
    except ValueError:
        return bind_host
    if not address.is_unspecified:
        return bind_host
    return "::1" if address.version == 6 else "127.0.0.1"


def probe_host_header(allowed_hosts: tuple[str, ...]) -> str:
    """A Host value the service accepts: the first of ALLOWED_HOSTS (`*.x` becomes `health.x`).

    The probe connects to loopback, but the service answers only the names in
    ALLOWED_HOSTS, so it must send one of them.
    """
    first = allowed_hosts[0] if allowed_hosts else "localhost"
    if first == "*":
        return "localhost"
    return "health" + first[1:] if first.startswith("*.") else first


def probe(host: str, port: int, timeout: float = 3.0, host_header: str | None = None) -> bool:
    """True when GET /healthz on `host`:`port` answers 200 within `timeout` seconds."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    headers = {"Host": host_header} if host_header else {}
    try:
        connection.request("GET", "/healthz", headers=headers)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def main() -> None:
    """Exit 0 when the running service is healthy, 1 otherwise (Docker's HEALTHCHECK contract)."""
    settings = get_settings()
    healthy = probe(
        probe_host(settings.host),
        settings.port,
        host_header=probe_host_header(settings.allowed_hosts),
    )
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
