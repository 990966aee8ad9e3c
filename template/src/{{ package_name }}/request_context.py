"""Per-request values that log records pick up without passing them around."""

from contextvars import ContextVar

__all__ = ["request_id_var"]

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
