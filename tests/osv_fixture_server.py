"""A small OSV-format vulnerability API on 127.0.0.1 that serves fixture advisories.

The real OSV service is unreachable from the test machines, so the audit wiring
of rendered projects is tested against this one. It speaks the three endpoints
the auditors use: `POST /v1/query` (pip-audit's `--osv-url`), `POST
/v1/querybatch` and `GET /v1/vulns/<id>` (`uv audit --service-url`, osv-scanner).
Every package query it answers is recorded, so a test can prove it was asked.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["Advisory", "OsvFixtureServer"]


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, the way OSV matches PyPI package names."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Advisory:
    """One advisory: `package` at exactly `version` is affected, `fixed` fixes it."""

    id: str
    package: str
    version: str
    fixed: str
    summary: str

    def affects(self, package: str, version: str) -> bool:
        """True for the affected package (any spelling of its name) at the affected version."""
        return canonical_name(package) == canonical_name(self.package) and version == self.version

    def to_osv(self) -> dict[str, Any]:
        """The advisory as an OSV 1.x record."""
        return {
            "schema_version": "1.6.0",
            "id": self.id,
            "modified": "2026-01-01T00:00:00Z",
            "published": "2026-01-01T00:00:00Z",
            "summary": self.summary,
            "details": self.summary,
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": canonical_name(self.package)},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": self.fixed}],
                        }
                    ],
                    "versions": [self.version],
                }
            ],
        }


class OsvFixtureServer:
    """Serve `advisories` (replaceable while running) on a free port of 127.0.0.1."""

    def __init__(self, advisories: list[Advisory] | None = None) -> None:
        self.advisories: list[Advisory] = list(advisories or [])
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (append /v1/query for pip-audit)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> OsvFixtureServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def matching(self, package: str, version: str) -> list[Advisory]:
        """Record the query and return the advisories affecting `package` at `version`."""
        with self._lock:
            self.queries.append((canonical_name(package), version))
            return [a for a in self.advisories if a.affects(package, version)]

    def by_id(self, advisory_id: str) -> Advisory | None:
        """The advisory with this id, if served."""
        with self._lock:
            return next((a for a in self.advisories if a.id == advisory_id), None)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"message": "body is not JSON"})
                    return
                if self.path == "/v1/query":
                    self._send(200, self._answer(body, full=True))
                elif self.path == "/v1/querybatch":
                    results = [self._answer(q, full=False) for q in body.get("queries", [])]
                    self._send(200, {"results": results})
                else:
                    self._send(404, {"message": f"no such endpoint: {self.path}"})

            def do_GET(self) -> None:
                prefix = "/v1/vulns/"
                advisory = (
                    api.by_id(self.path[len(prefix) :]) if self.path.startswith(prefix) else None
                )
                if advisory is None:
                    self._send(404, {"message": "not found"})
                else:
                    self._send(200, advisory.to_osv())

            def _answer(self, query: dict[str, Any], *, full: bool) -> dict[str, Any]:
                """OSV answers {} when nothing matches, else the (abridged, for batches) vulns."""
                package = query.get("package", {})
                if package.get("ecosystem") != "PyPI" or "version" not in query:
                    return {}
                found = api.matching(package.get("name", ""), query["version"])
                if not found:
                    return {}
                if full:
                    return {"vulns": [a.to_osv() for a in found]}
                return {"vulns": [{"id": a.id, "modified": a.to_osv()["modified"]} for a in found]}

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet; the queries are recorded instead."""

        return Handler
