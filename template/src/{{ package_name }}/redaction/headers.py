"""HTTP headers fit for a log line: sensitive ones keep only their name."""

from collections.abc import Iterable, Mapping
from typing import cast

from .keys import sensitive_key_label
from .markers import marker
from .text import redact_text

__all__ = ["safe_headers"]


def safe_headers(
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]],
) -> dict[str, str]:
    """Request or response headers fit for a log line, names lowercased.

    Authorization, Proxy-Authorization, Cookie, Set-Cookie and every other
    sensitive header (X-Api-Key, X-Auth-Token, ...) keep only their name; other
    values are redacted as text. Repeated headers are joined with ", ". Accepts a
    mapping (Starlette's `Headers` yields every pair) or ASGI `(bytes, bytes)` pairs.
    Never pass a request body here or to a log call: bodies are not redacted by key.
    """
    pairs: Iterable[tuple[str | bytes, str | bytes]] = (
        cast("Mapping[str, str]", headers).items() if isinstance(headers, Mapping) else headers
    )
    result: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name = (raw_name.decode("latin-1") if isinstance(raw_name, bytes) else raw_name).lower()
        label = sensitive_key_label(name)
        if label is not None:
            value = marker(label)
        else:
            text = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else raw_value
            value = redact_text(text)
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result
