"""The HTTP edge: what a request must look like before any route sees it.

Each class is plain ASGI (see middleware.py for why) and refuses with the shared
error body (`errors.error_response`) and the request id, before the app runs, so
nothing is read or written for a refused request.

* `AllowedHostsMiddleware`: the Host header must be one of ALLOWED_HOSTS (400).
* `ForwardedHeadersMiddleware`: X-Forwarded-For/-Proto are believed only from the
  proxies in FORWARDED_ALLOW_IPS, and only an IP address becomes the client address.
* `RequestBodyRulesMiddleware`: a body is framed one way only (Content-Length *or*
  Transfer-Encoding, else 400 and the connection is closed) and is JSON (else 415).
* `ConcurrencyLimitMiddleware`: at most MAX_CONCURRENT_REQUESTS at once (else 503).
"""

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_response

__all__ = [
    "AllowedHostsMiddleware",
    "ConcurrencyLimitMiddleware",
    "ForwardedHeadersMiddleware",
    "RequestBodyRulesMiddleware",
]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class AllowedHostsMiddleware(TrustedHostMiddleware):
    """Starlette's TrustedHostMiddleware, answering 400 with the shared JSON body.

    It never redirects (`www_redirect=False`): a redirect must not be built from
    a Host header the client chose.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        super().__init__(app, allowed_hosts=allowed_hosts, www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _host_name(scope["headers"])
        if host is not None and any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.allowed_hosts
        ):
            await self.app(scope, receive, send)
            return
        await error_response(400, "invalid_host")(scope, receive, send)


class ForwardedHeadersMiddleware:
    """Take the client address and scheme from a trusted reverse proxy's headers.

    Only when the connection comes from one of `trusted` (addresses or networks):
    X-Forwarded-For is read right to left, skipping trusted proxies; the first
    other hop becomes the client if it is an IP address. Anything else (a name,
    markup, an empty hop) leaves the connection's own address in place.
    X-Forwarded-Proto is used only if it is `http` or `https`.
    """

    def __init__(self, app: ASGIApp, *, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(item, strict=False) for item in trusted
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            peer_address = _ip_address(peer[0]) if peer else None
            if peer_address is not None and self._trusted(peer_address):
                self._apply_forwarded(scope)
        await self.app(scope, receive, send)

    def _trusted(self, address: _Address) -> bool:
        return any(address in network for network in self.networks)

    def _apply_forwarded(self, scope: Scope) -> None:
        hops: list[str] = []
        proto: str | None = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                hops += value.decode("latin-1").split(",")
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        client = self._client_from(hops)
        if client is not None:
            scope["client"] = (client, 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")

    def _client_from(self, hops: list[str]) -> str | None:
        address: _Address | None = None
        for hop in reversed(hops):
            address = _ip_address(_without_port(hop.strip()))
            if address is None:
                return None  # a hop that is not an address: believe nothing left of it
            if not self._trusted(address):
                return str(address)
        return str(address) if address is not None else None  # every hop is a proxy


class RequestBodyRulesMiddleware:
    """A body is framed one way and is JSON; everything else is refused up front.

    Content-Length together with Transfer-Encoding is the shape of request
    smuggling (RFC 9112 section 6.1): 400, and `Connection: close` so the server
    ends the connection instead of reading a second request hidden in the body.
    A body on a write method whose Content-Type is not `application/json` (or
    `application/*+json`) gets 415 instead of being parsed and failing as 422.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"content-type":
                content_type = value
        if chunked and length is not None:
            response = error_response(400, "ambiguous_request_framing", {"connection": "close"})
            await response(scope, receive, send)
            return
        has_body = chunked or (length is not None and length.strip() not in (b"", b"0"))
        if has_body and scope["method"] not in _BODYLESS_METHODS and not _is_json(content_type):
            await error_response(415, "unsupported_media_type")(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ConcurrencyLimitMiddleware:
    """At most `limit` requests in progress in this process; others get 503 at once.

    Counted here, not by uvicorn's `limit_concurrency`: uvicorn also counts idle
    keep-alive connections and answers in plain text, while this counts only
    work in progress and answers with the shared body and `Retry-After`.
    `exempt_paths` (the liveness probe) are never refused: a busy process is alive.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, exempt_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.limit = limit
        self.exempt_paths = exempt_paths
        self.in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            response = error_response(503, "server_busy", {"retry-after": "1"})
            await response(scope, receive, send)
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.partition(b";")[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


def _host_name(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The Host header's name part, lowercased (`[::1]:8000` gives `::1`), or None."""
    for name, value in headers:
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):
                return host[1:].partition("]")[0] or None
            return host.partition(":")[0] or None
    return None


def _without_port(hop: str) -> str:
    """`203.0.113.7:4711` and `[2001:db8::1]:4711` lose the port; bare IPv6 is kept."""
    if hop.startswith("["):
        return hop[1:].partition("]")[0]
    if hop.count(":") == 1:
        return hop.partition(":")[0]
    return hop


def _ip_address(text: str) -> _Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
