"""Secret-shaped substrings of free text: tokens, URL credentials, auth schemes, key=value pairs.

Free text is redacted on a best-effort basis: a secret with no recognisable shape
and no sensitive key beside it cannot be told from ordinary words. Log structured
data (`extra={...}`) so the key rule applies.
"""

import base64
import binascii
import ipaddress
import math
import re
from collections import Counter
from typing import Final
from urllib.parse import unquote

from .formats import LABELS, redact_tokens
from .keys import sensitive_key_label
from .markers import marker
from .prefilter import (
    FLAG_PREFIX,
    QUERY_VALUE_CHARACTERS,
    SHORTEST_QUERY_SECRET,
    decodings,
    has_key_pair,
    might_hold_secret,
)

__all__ = ["redact_suspect_text", "redact_text"]

# scheme://user:{password}@host keeps scheme, user and host; the password may hold '@'.
_URL_CREDENTIALS: Final = re.compile(
    r"(?P<prefix>://(?<=[A-Za-z0-9+.-]://)[^\s:/?#@]*+:)(?P<password>[^\s/?#]{0,512})@"
)
_BEARER: Final = re.compile(r"\b(?P<scheme>bearer)(?P<space>\s+)[^\s,;\"']++", re.IGNORECASE)
_BASIC: Final = re.compile(
    r"\b(?P<scheme>basic)(?P<space>\s+)(?P<credentials>[A-Za-z0-9+/]++={0,2})", re.IGNORECASE
)

# Searched in the REVERSED text, so the engine jumps from separator to separator
# (`=` or `:`) and reads the key backwards from there: `password=`, `"api_key": `,
# `user[password]=`, `X-Api-Key: ` all end, read backwards, at the key's start.
_PAIR_REVERSED: Final = re.compile(r"[:=][ \t]*+[\]\"']?(?P<key>[A-Za-z0-9_.-]++)")
_QUOTED: Final = r"\"(?:[^\"\\\n]|\\.)*+\"?|'(?:[^'\\\n]|\\.)*+'?|\{(?:[^}\n]|\}\})*+\}?"
# The value after a separator: quoted (or ODBC-braced), else text up to a space or delimiter.
_VALUE: Final = re.compile(rf"[ \t]*+(?P<value>{_QUOTED}|[^\s&,;\"']++)")
# In a `Name=value;Name=value` connection string a value runs to the next `;`.
_SEGMENT_VALUE: Final = re.compile(rf"[ \t]*+(?P<value>{_QUOTED}|[^;\r\n\"']++)")
# `--password value` in a logged command line (`--password=value` is a key pair): the
# value is the next word, unless it is the next option.
_FLAG_VALUE: Final = re.compile(
    rf"{FLAG_PREFIX}(?P<key>[A-Za-z][A-Za-z0-9_-]{{0,63}})[ \t]++"
    r"(?P<value>\"[^\"\n]*+\"|'[^'\n]*+'|[^\s\"'-][^\s\"']*+)"
)
# `<password>value</password>`: an XML element of text only, named as a sensitive key.
_ELEMENT: Final = re.compile(
    r"<(?P<key>[A-Za-z_][\w.:-]{0,63})(?:\s[^<>]*+)?>(?P<value>[^<]++)</(?P=key)>"
)
# A query parameter's value (`?key=value&...`) runs to the next parameter, fragment or space.
_QUERY_PARAMETER_VALUE: Final = re.compile(rf"(?P<value>{_QUOTED}|[^&#\s\"']++)")
_QUERY_STARTS: Final = frozenset("?&")
# Headers such as Cookie and Authorization lose everything up to the end of the line.
_REST_OF_LINE: Final = re.compile(rf"[ \t]*+(?P<value>{_QUOTED}|[^\r\n]++)")
_WHOLE_LINE_LABELS: Final = frozenset({"authorization", "cookie"})
_SEGMENT_STARTS: Final = frozenset(";\"' \t")

# A percent-encoded run of text (a path, a query): decoded before the rules run on it.
# It starts only where a run starts (the lookbehind), so a long run without an escape
# is read once, not once per character: linear time on hostile text such as `%%%...`.
_ENCODED_RUN: Final = re.compile(r"(?<![^\s\"'<>])[^\s\"'<>]*?%[0-9A-Fa-f]{2}[^\s\"'<>]*+")
# `?key=value` / `&key=value`: the value is tested for a secret's shape.
_QUERY_VALUE: Final = re.compile(
    rf"[?&][^=&?#\s]{{1,64}}=(?P<value>[{QUERY_VALUE_CHARACTERS}]{{{SHORTEST_QUERY_SECRET},}})"
)
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_SECRET_ENTROPY: Final = 3.5
"""Bits per character from which a query value of mixed letters and digits looks random."""

_MARKERS: Final = {
    label: marker(label) for label in {"password", "bearer", "basic", "secret", *LABELS}
}


def redact_text(text: str) -> str:
    """Replace secret-shaped substrings of `text`; text with none comes back unchanged.

    A percent-encoded run (a path or query in an access log) is decoded first and,
    if a rule matched, logged decoded with the secret replaced.
    """
    if not might_hold_secret(text):
        return text
    return _redact(text, decode=True)


def redact_suspect_text(text: str) -> str:
    """`redact_text` for text the prefilter has already flagged: the rules run at once."""
    return _redact(text, decode=True)


def _redact(text: str, *, decode: bool) -> str:
    """Every rule on `text`; `decode` also runs them on its percent-encoded runs."""
    # Decided before any marker is inserted: markers hold words such as "password".
    pairs = has_key_pair(text)
    if decode and "%" in text:
        text = _ENCODED_RUN.sub(_redact_encoded, text)
    text = redact_tokens(text)
    if "://" in text and "@" in text:
        text = _URL_CREDENTIALS.sub(rf"\g<prefix>{_MARKERS['password']}@", text)
    lowered = text.lower()
    if "bearer" in lowered:
        text = _BEARER.sub(rf"\g<scheme>\g<space>{_MARKERS['bearer']}", text)
    if "basic" in lowered:
        text = _BASIC.sub(_basic_marker, text)
    if pairs:
        text = _redact_pairs(text)
    if "--" in text:
        text = _FLAG_VALUE.sub(_named_value_marker, text)
    if "</" in text:
        text = _ELEMENT.sub(_named_value_marker, text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_VALUE.sub(_query_value_marker, text)
    return text


def _redact_encoded(match: re.Match[str]) -> str:
    """Redact a percent-encoded run by the same rules, decoded; left encoded if clean."""
    decoded = [match[0], *decodings(match[0])][-1]
    redacted = _redact(decoded, decode=False)
    return match[0] if redacted == decoded else redacted


def _basic_marker(match: re.Match[str]) -> str:
    """Redact `Basic xxx` only if xxx decodes to printable `user:password`: "Basic usage" stays."""
    credentials = match["credentials"]
    try:
        decoded = base64.b64decode(credentials + "=" * (-len(credentials) % 4), validate=True)
        text = decoded.decode()
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return match[0]
    if ":" not in text or not text.isprintable():
        return match[0]
    return f"{match['scheme']}{match['space']}{_MARKERS['basic']}"


def _value_pattern(text: str, label: str, key_start: int, separator_end: int) -> re.Pattern[str]:
    """How far the value of a pair reaches: a query parameter, the line, a segment, or a word.

    A query parameter ends at the next `&` even under `auth=` or `cookie=`, so an
    access log line keeps its other parameters, protocol and status.
    """
    if text[separator_end - 1] == "=" and key_start and text[key_start - 1] in _QUERY_STARTS:
        return _QUERY_PARAMETER_VALUE
    if label in _WHOLE_LINE_LABELS:
        return _REST_OF_LINE
    if (
        text[separator_end - 1] == "="
        and (key_start == 0 or text[key_start - 1] in _SEGMENT_STARTS)
        and text.find(";", separator_end) != -1  # no copy of the rest per pair
    ):
        return _SEGMENT_VALUE
    return _VALUE


def _redact_pairs(text: str) -> str:
    """Replace the value after every sensitive `key=` / `key: ` / `"key": ` in `text`."""
    length = len(text)
    found: list[tuple[int, int, str]] = []  # (key start, separator end, label)
    for pair in _PAIR_REVERSED.finditer(text[::-1]):
        label = sensitive_key_label(pair["key"][::-1])
        if label is not None:
            found.append((length - pair.end(), length - pair.start(), label))
    pieces: list[str] = []
    position = 0
    for key_start, separator_end, label in reversed(found):  # left to right
        if key_start < position:
            continue  # inside a value already replaced
        value = _value_pattern(text, label, key_start, separator_end).match(text, separator_end)
        if value is None:
            continue
        raw = value["value"]
        opening = raw[0] if raw[0] in "\"'{" else ""
        if not opening and not any(character.isalnum() for character in raw):
            continue  # `session ::` or `password: ****` carries no secret to hide
        if raw[0] == ":" and text[separator_end - 1] == ":" and _is_ipv6(":" + raw):
            continue  # `session ::1`: the colon starts an IPv6 address
        closing = "}" if opening == "{" else opening
        closing = closing if closing and len(raw) > 1 and raw.endswith(closing) else ""
        pieces.append(text[position : value.start("value")])
        pieces.append(f"{opening}{marker(label)}{closing}")
        position = value.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def _named_value_marker(match: re.Match[str]) -> str:
    """Replace the `value` group of `--key value` or `<key>value</key>` if `key` names a secret."""
    label = sensitive_key_label(match["key"])
    if label is None:
        return match[0]
    whole, start = match[0], match.start()
    before, after = whole[: match.start("value") - start], whole[match.end("value") - start :]
    return before + marker(label) + after


def _is_ipv6(text: str) -> bool:
    """True if `text` is an IPv6 address (`::1`, `::ffff:10.0.0.1`)."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _query_value_marker(match: re.Match[str]) -> str:
    """Replace a query value that looks like a random token, whatever its key."""
    value = match["value"]
    if not _secret_shaped(unquote(value)):
        return match[0]
    return match[0][: match.start("value") - match.start()] + _MARKERS["secret"]


def _secret_shaped(value: str) -> bool:
    """True for letters mixed with digits, random enough to be a token (not a UUID)."""
    if _UUID.fullmatch(value) or value.startswith("/"):
        return False
    if not any(character.isdigit() for character in value):
        return False
    if not any(character.isalpha() for character in value):
        return False
    counts = Counter(value).values()
    entropy = -sum(count / len(value) * math.log2(count / len(value)) for count in counts)
    return entropy >= _SECRET_ENTROPY
