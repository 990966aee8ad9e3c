"""Log records as JSON lines (or readable console lines) on stderr, redacted on the way out.

`configure_logging` installs one handler on the root logger and removes the others.
Its formatter redacts, so records from every logger reach redaction: the
service's, uvicorn's and every library's that propagates. uvicorn's loggers are
stripped of their own handlers for that reason, and `python -m <package>` starts
uvicorn with `log_config=None` so it installs none.

Redaction runs once per record, at format time, on what the line will hold: the
message with its args, the `extra=` fields, exception and stack text. One
prefilter pass over all of it clears a clean record; only a record that may hold
a secret is copied and redacted. The record itself is never modified.

Every line carries the request id of the request being served (or null).
"""

import json
import logging
import sys
import threading
import time
from itertools import islice
from types import TracebackType
from typing import Final, TextIO

from .redaction import marker, redact_log_fields, redact_text
from .request_context import request_id_var
from .settings import Settings

__all__ = [
    "UVICORN_LOGGERS",
    "UVICORN_LOG_CONFIG",
    "WITHHELD",
    "ConsoleFormatter",
    "Content",
    "JsonFormatter",
    "RedactingFormatter",
    "configure_logging",
]

UVICORN_LOGGERS: Final = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
UVICORN_LOG_CONFIG: Final = None
"""Pass as `uvicorn.run(log_config=...)`: uvicorn then leaves logging to `configure_logging`."""

WITHHELD: Final = f"{marker('unavailable')} log message withheld: redaction failed"
"""The message of a record whose redaction raised: the record is kept, its content is not."""

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_BARE_ATTRIBUTES: Final = tuple(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__
)
# LogRecord.__init__ sets its attributes first, `extra=` fields come after; a
# formatter may add these later (uvicorn's `color_message` duplicates the message).
_LATE_ATTRIBUTES: Final = frozenset({"message", "asctime", "taskName", "color_message"})
_PLAIN_RECORD_SIZE: Final = len(_BARE_ATTRIBUTES)
_CORE_FIELDS: Final = frozenset({"time", "level", "logger", "message", "request_id"})

# Console lines: control characters (CR, LF, ESC, ...) and Unicode line separators
# are escaped, so text inside a message can neither start a new line nor drive the terminal.
_ESCAPES: Final[dict[int, str]] = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code != 0x09
} | {0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}

Content = tuple[str, dict[str, object], str | None, str | None]
"""What a line shows of a record: message, `extra=` fields, exception text, stack text."""


class RedactingFormatter(logging.Formatter):
    """Redact a record's content, then `render` it; the base of both line formats.

    Never drops a record: if redaction itself fails, the line carries `WITHHELD`
    as its message and the name of the error, without extras, exception or stack.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record's line, redacted."""
        try:
            content = self.content(record)
        except Exception as error:  # noqa: BLE001 - any failure must still emit a safe record
            withheld: dict[str, object] = {"redaction_error": type(error).__name__}
            content = (WITHHELD, withheld, None, None)
        return self.render(record, content)

    def content(self, record: logging.LogRecord) -> Content:
        """The message, fields, exception and stack text of `record`, redacted."""
        message, fields, exception, stack = self.unredacted_content(record)
        message, fields = redact_log_fields(message, fields)
        if exception:
            exception = redact_text(exception)
        if stack:
            stack = redact_text(stack)
        return message, fields, exception, stack

    def unredacted_content(self, record: logging.LogRecord) -> Content:
        """What `content` redacts: read from `record`, which is left as it is."""
        message = record.getMessage()
        attributes = record.__dict__
        fields: dict[str, object] = {}
        if len(attributes) > _PLAIN_RECORD_SIZE:
            fields = dict(islice(attributes.items(), _PLAIN_RECORD_SIZE, None))
            if not _LATE_ATTRIBUTES.isdisjoint(fields):
                for name in _LATE_ATTRIBUTES:
                    fields.pop(name, None)
        exception = record.exc_text
        if record.exc_info and not exception:
            exception = self.formatException(record.exc_info)
        return message, fields, exception, record.stack_info

    def render(self, record: logging.LogRecord, content: Content) -> str:
        """The line for `record` showing `content`; each format says how."""
        raise NotImplementedError


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. 2025-01-31T12:00:00.123Z."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _unserializable(value: object) -> str:
    """Name the type only: calling str() here would bypass redaction."""
    return f"<{type(value).__name__}>"


class JsonFormatter(RedactingFormatter):
    """One JSON object per line; ASCII-only, so no character can break the line."""

    def render(self, record: logging.LogRecord, content: Content) -> str:
        """time, level, logger, message, request_id, then extras, exception, stack."""
        message, fields, exception, stack = content
        entry: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": request_id_var.get(),
        }
        if _CORE_FIELDS.isdisjoint(fields):
            entry.update(fields)
        else:
            for key, value in fields.items():
                entry[f"extra.{key}" if key in _CORE_FIELDS else key] = value
        if exception:
            entry["exception"] = exception
        if stack:
            entry["stack"] = stack
        return json.dumps(entry, ensure_ascii=True, default=_unserializable)


class ConsoleFormatter(RedactingFormatter):
    """`time LEVEL logger [request id] message key=value` for people reading a terminal.

    Control characters are escaped; exception and stack lines are indented, so no
    logged text can pass for a record of its own.
    """

    def render(self, record: logging.LogRecord, content: Content) -> str:
        """One line per record, plus indented exception and stack lines."""
        message, fields, exception, stack = content
        request_id = request_id_var.get() or "-"
        line = f"{_timestamp(record)} {record.levelname:<8} {record.name} [{request_id}] {message}"
        extras = "".join(f" {key}={value!r}" for key, value in fields.items())
        parts = [(line + extras).translate(_ESCAPES)]
        for block in (exception, stack):
            if block:
                parts.extend(f"    {text.translate(_ESCAPES)}" for text in block.splitlines())
        return "\n".join(parts)


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record through one handler, redacted by its formatter, to `stream` (stderr).

    Idempotent: the root logger's handlers are replaced, never added to, so a
    second call leaves exactly one handler. uvicorn's loggers lose their own
    handlers and propagate to root. Uncaught exceptions, in the main thread or
    another, are logged through the same handler instead of printed raw.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        for old in uvicorn_logger.handlers[:]:
            uvicorn_logger.removeHandler(old)
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return handler


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """Log an uncaught exception (its text redacted); Ctrl-C keeps its usual quiet exit."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("uncaught").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(arguments: threading.ExceptHookArgs) -> None:
    """Log an exception that ended a thread, through the redacting handler."""
    if arguments.exc_value is None:
        return
    thread = arguments.thread.name if arguments.thread is not None else "unknown"
    logging.getLogger("uncaught").critical(
        "uncaught exception in thread %s",
        thread,
        exc_info=(arguments.exc_type, arguments.exc_value, arguments.exc_traceback),
    )
