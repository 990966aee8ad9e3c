"""The HTTP/1.1 implementation uvicorn runs (`server.uvicorn_options` passes it).

uvicorn's pure-Python h11 implementation (the one the lock installs; httptools is
not installed) is used on purpose: with `RequestBodyRulesMiddleware` answering
`Connection: close`, a request carrying both Content-Length and Transfer-Encoding
gets a JSON 400 and nothing behind it on that connection is answered (httptools
refuses it too, but with a plain-text body and no request id).

uvicorn closes idle keep-alive connections but puts no deadline on a request
head that arrives slowly, so a few hundred clients sending one header byte at a
time hold their connections forever. `BoundedH11Protocol` closes a connection
whose next request head is not complete within HTTP_HEADER_TIMEOUT_SECONDS.

The deadline travels in `ServerConfig`, not in a class made at run time: with
WORKERS > 1 uvicorn pickles its config into each worker process, and pickle
finds a class by its module and name, so the protocol must be the module's own.
"""

import asyncio
from typing import Any

from uvicorn import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

__all__ = ["BoundedH11Protocol", "ServerConfig"]


class ServerConfig(Config):
    """uvicorn's Config plus the request-head deadline `BoundedH11Protocol` reads."""

    def __init__(self, *, http_header_timeout_seconds: float, **options: Any) -> None:
        super().__init__(**options)
        self.http_header_timeout_seconds = http_header_timeout_seconds


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for every request head.

    The clock starts when the connection opens and again when a response ends;
    it stops once a request head has been parsed (uvicorn then starts a cycle).
    """

    _head_deadline: asyncio.TimerHandle | None = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """uvicorn makes one per connection; the deadline comes from its `ServerConfig`."""
        if not isinstance(config, ServerConfig):
            raise TypeError("BoundedH11Protocol needs a ServerConfig (server.serve builds one)")
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout_seconds = config.http_header_timeout_seconds

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the clock for the first request head."""
        super().connection_made(transport)  # pyright: ignore[reportArgumentType] - uvicorn narrows it to Transport
        self._start_head_clock()

    def data_received(self, data: bytes) -> None:
        """Stop the clock once uvicorn has a request in progress."""
        super().data_received(data)
        if self._request_in_progress():
            self._stop_head_clock()

    def on_response_complete(self) -> None:
        """Restart the clock for the next request head unless one is already in."""
        super().on_response_complete()
        if not self._request_in_progress() and not self.transport.is_closing():
            self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        """No deadline outlives its connection."""
        self._stop_head_clock()
        super().connection_lost(exc)

    def _request_in_progress(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete  # pyright: ignore[reportUnnecessaryComparison] - uvicorn types it non-optional but starts with None

    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self._head_deadline = self.loop.call_later(self.header_timeout_seconds, self._head_late)

    def _stop_head_clock(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        if not self._request_in_progress() and not self.transport.is_closing():
            self.transport.close()
