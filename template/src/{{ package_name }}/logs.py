"""Log records as JSON lines (or readable console lines) on stderr, redacted on the way out.

`configure_logging` installs one handler on the root logger and removes the others.
The redacting filter sits on that handler, not on a logger, so records from every
logger reach it: the service's, uvicorn's and every library's that propagates.
uvicorn's loggers are stripped of their own handlers for that reason, and
`python -m <package>` starts uvicorn with `log_config=None` so it installs none.

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

from .redaction import marker, needs_redaction, redact_for_logging, redact_text
from .request_context import request_id_var
from .settings import Settings

__all__ = [
    "UVICORN_LOGGERS",
    "UVICORN_LOG_CONFIG",
    "WITHHELD",
    "ConsoleFormatter",
    "JsonFormatter",
    "RedactingFilter",
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
_STANDARD_ATTRIBUTES: Final = frozenset(_BARE_ATTRIBUTES) | {"message", "asctime", "taskName"}
# A record with no extras has exactly the attributes LogRecord.__init__ sets.
_PLAIN_RECORD_SIZE: Final = len(_BARE_ATTRIBUTES)
_CORE_FIELDS: Final = frozenset({"time", "level", "logger", "message", "request_id"})
_EXCEPTION_FORMATTER: Final = logging.Formatter()

# Console lines: control characters (CR, LF, ESC, ...) and Unicode line separators
# are escaped, so text inside a message can neither start a new line nor drive the terminal.
_ESCAPES: Final[dict[int, str]] = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code != 0x09
} | {0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class RedactingFilter(logging.Filter):
    """Redact a record in place: message with its args, extras, exception and stack text.

    Never drops a record: if redaction itself fails, the record goes out with
    `WITHHELD` as its message and its extras, exception and stack removed.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record`; always keep it."""
        try:
            _redact_record(record)
        except Exception as error:  # noqa: BLE001 - any failure must still emit a safe record
            _withhold(record, error)
        return True


def _redact_record(record: logging.LogRecord) -> None:
    """Replace every part of `record` that may hold caller data by its redacted form.

    The message and the `extra=` fields are first tested together, in place
    (`needs_redaction`); only a record that may hold a secret is walked by
    `redact_for_logging` as one dict.
    """
    message = record.getMessage()
    record.msg = message
    record.args = None
    attributes = record.__dict__
    if len(attributes) == _PLAIN_RECORD_SIZE:  # no extras: the usual record
        record.msg = redact_text(message)
    else:
        attributes.pop(_DROPPED_EXTRA, None)
        # LogRecord.__init__ sets its attributes first, `extra=` fields come after.
        if needs_redaction(islice(attributes.items(), _PLAIN_RECORD_SIZE, None), [message]):
            fields = {
                key: value
                for key, value in islice(attributes.items(), _PLAIN_RECORD_SIZE, None)
                if key not in _STANDARD_ATTRIBUTES
            }
            fields[_MESSAGE] = message
            redacted = redact_for_logging(fields)
            record.msg = redacted.pop(_MESSAGE)
            attributes.update(redacted)
    if record.exc_info or record.exc_text or record.stack_info:
        _redact_exception(record)


# The message's place among the fields: not a name `extra=` may use.
_MESSAGE: Final = "message"
# uvicorn's colour template of the message it logs: a duplicate, not data.
_DROPPED_EXTRA: Final = "color_message"


def _redact_exception(record: logging.LogRecord) -> None:
    """Format the exception now, redacted, and drop the exception object."""
    if record.exc_info and not record.exc_text:
        record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
    record.exc_info = None  # the exception object may hold secrets a later formatter would print
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)


def _withhold(record: logging.LogRecord, error: Exception) -> None:
    """Strip `record` to what is known safe, and say why."""
    for key in record.__dict__.keys() - _STANDARD_ATTRIBUTES:
        del record.__dict__[key]
    record.msg = WITHHELD
    record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    record.redaction_error = type(error).__name__


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. 2025-01-31T12:00:00.123Z."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _extras(record: logging.LogRecord) -> dict[str, object]:
    """The `extra=` fields of `record`, in the order they were given."""
    return {
        key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRIBUTES
    }


def _unserializable(value: object) -> str:
    """Name the type only: calling str() here would bypass redaction."""
    return f"<{type(value).__name__}>"


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ASCII-only, so no character can break the line."""

    def format(self, record: logging.LogRecord) -> str:
        """time, level, logger, message, request_id, then extras, exception, stack."""
        entry: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key, value in _extras(record).items():
            entry[f"extra.{key}" if key in _CORE_FIELDS else key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=True, default=_unserializable)


class ConsoleFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message key=value` for people reading a terminal.

    Control characters are escaped; exception and stack lines are indented, so no
    logged text can pass for a record of its own.
    """

    def format(self, record: logging.LogRecord) -> str:
        """One line per record, plus indented exception and stack lines."""
        request_id = request_id_var.get() or "-"
        line = (
            f"{_timestamp(record)} {record.levelname:<8} {record.name} [{request_id}] "
            f"{record.getMessage()}"
        )
        fields = "".join(f" {key}={value!r}" for key, value in _extras(record).items())
        parts = [(line + fields).translate(_ESCAPES)]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for block in (record.exc_text, record.stack_info):
            if block:
                parts.extend(f"    {text.translate(_ESCAPES)}" for text in block.splitlines())
        return "\n".join(parts)


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record through one redacting handler to `stream` (stderr).

    Idempotent: the root logger's handlers are replaced, never added to, so a
    second call leaves exactly one handler. uvicorn's loggers lose their own
    handlers and propagate to root. Uncaught exceptions, in the main thread or
    another, are logged through the same handler instead of printed raw.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactingFilter())
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
