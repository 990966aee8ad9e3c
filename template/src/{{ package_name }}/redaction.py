"""Remove secrets from values before they reach a log line.

Two rules, applied to every string and, recursively, to mappings and sequences:
values under a sensitive key ("password", "X-Api-Key", "client_secret", ...) are
replaced whole, and secret-shaped substrings (URL credentials, bearer tokens,
JWTs, cloud and SaaS key formats, PEM private keys, `key=value` pairs with a
sensitive key) are replaced wherever they appear. A marker such as
`[REDACTED:password]` says what was removed, never what it was.

Free text is redacted on a best-effort basis: a secret with no recognisable shape
and no sensitive key beside it cannot be told from ordinary words. Log structured
data (`extra={...}`) so the key rule applies.

This runs for every log record, so ordinary text is let through by substring
tests alone; the regular expressions run only where their literal part occurs.
"""

import base64
import binascii
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from typing import Any, Final, cast, overload

__all__ = [
    "CYCLE",
    "MAX_DEPTH",
    "TOO_DEEP",
    "marker",
    "might_hold_secret",
    "redact",
    "redact_for_logging",
    "redact_text",
    "safe_headers",
    "sensitive_key_label",
]

MAX_DEPTH: Final = 32
"""Containers nested deeper than this are replaced whole: no input can exhaust the stack."""

CYCLE: Final = "[cycle]"
TOO_DEEP: Final = "[nested too deeply]"


def marker(label: str) -> str:
    """The text that replaces a secret: it names the kind of value, not the value."""
    return f"[REDACTED:{label}]"


# --- Sensitive keys -------------------------------------------------------------

# Normalised key stem (lowercase, separators removed) -> what the marker names.
# Order matters: the first stem found in a key decides the label.
_KEY_STEMS: Final[tuple[tuple[str, str], ...]] = (
    ("password", "password"),
    ("passwd", "password"),
    ("passphrase", "password"),
    ("pwd", "password"),
    ("secret", "secret"),
    ("privatekey", "private_key"),
    ("accesskey", "access_key"),
    ("apikey", "api_key"),
    ("token", "token"),
    ("authorization", "authorization"),
    ("cookie", "cookie"),
    ("session", "session"),
    ("credential", "credential"),
    ("signature", "signature"),
    ("databaseurl", "dsn"),
    ("connectionstring", "dsn"),
    ("dsn", "dsn"),
    ("jwt", "jwt"),
)
_EXACT_KEYS: Final[Mapping[str, str]] = {
    "auth": "authorization",
    "sig": "signature",
    "sid": "session",
}
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_LABEL_CACHE: Final[dict[str, str | None]] = {}
_LABEL_CACHE_SIZE: Final = 4096


def sensitive_key_label(key: str) -> str | None:
    """The marker label if `key` names a secret ("X-Api-Key" -> "api_key"), else None.

    Case and separators are ignored, so `client_secret`, `clientSecret` and
    `CLIENT-SECRET` all match. Keys repeat, so answers are cached (bounded).
    """
    try:
        return _LABEL_CACHE[key]
    except KeyError:
        pass
    label = _key_label(key)
    if len(_LABEL_CACHE) < _LABEL_CACHE_SIZE:
        _LABEL_CACHE[key] = label
    return label


def _key_label(key: str) -> str | None:
    """`sensitive_key_label` without the cache."""
    normalised = _NON_ALNUM.sub("", key.lower())
    exact = _EXACT_KEYS.get(normalised)
    if exact is not None:
        return exact
    for stem, label in _KEY_STEMS:
        if stem in normalised:
            return label
    if normalised.endswith("auth"):
        return "authorization"
    return None


# --- Token formats ----------------------------------------------------------------

# (literal prefix, pattern, label). Every pattern starts with its literal, so the
# regex engine finds it by fast substring search; a prefix glued to a letter or
# digit before it ("task-...") is not a match.
_TOKEN_FORMATS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "-----BEGIN",
        r"-----BEGIN[A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----"
        r"(?s:.*?-----END[A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----|.*)",
        "private_key",
    ),
    ("eyJ", r"eyJ[A-Za-z0-9_-]++\.eyJ[A-Za-z0-9_-]++\.[A-Za-z0-9_-]*+", "jwt"),
    *(
        (prefix, prefix + r"[A-Z0-9]{16}(?![A-Za-z0-9])", "aws_access_key")
        for prefix in ("AKIA", "ASIA", "ABIA", "ACCA")
    ),
    *(
        (prefix, prefix + r"[A-Za-z0-9]{36,}+", "github_token")
        for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    ),
    ("github_pat_", r"github_pat_[A-Za-z0-9_]{22,}+", "github_token"),
    ("glpat-", r"glpat-[A-Za-z0-9_-]{20,}+", "gitlab_token"),
    ("xox", r"xox[abposr]-[A-Za-z0-9-]{10,}+", "slack_token"),
    ("hooks.slack.com/", r"hooks\.slack\.com/services/[A-Za-z0-9/_-]++", "slack_webhook"),
    *(
        (prefix, prefix + r"[A-Za-z0-9]{10,}+", "stripe_key")
        for prefix in ("sk_live_", "sk_test_", "rk_live_", "rk_test_")
    ),
    ("whsec_", r"whsec_[A-Za-z0-9]{20,}+", "stripe_key"),
    ("AIza", r"AIza[A-Za-z0-9_-]{35}", "google_api_key"),
    ("sk-", r"sk-[A-Za-z0-9_-]{20,}+", "api_key"),
    ("npm_", r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", "npm_token"),
    ("pypi-", r"pypi-[A-Za-z0-9_-]{50,}+", "pypi_token"),
    ("hf_", r"hf_[A-Za-z0-9]{30,}+", "huggingface_token"),
    ("SG.", r"SG\.[A-Za-z0-9_-]{16,}+\.[A-Za-z0-9_-]{16,}+", "sendgrid_key"),
)
_SHORTEST_TOKEN: Final = 15
"""No format above matches fewer characters: shorter text skips the token pass."""

# Cheap pre-check for the token pass: (a character every match of the group holds,
# the literals to look for when it is present). Substring tests only: on ordinary
# text they cost less than starting one regular-expression search.
_TOKEN_NEEDLES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("-", ("-----BEGIN", "glpat-", "xox", "sk-", "pypi-")),
    ("_", ("gh", "github_pat_", "_live_", "_test_", "whsec_", "npm_", "hf_")),
    (".", ("eyJ", "hooks.slack.com/", "SG.")),
    ("A", ("AKIA", "ASIA", "ABIA", "ACCA", "AIza")),
)
_GITHUB_PREFIXES: Final = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
# Lowercase text every sensitive key holds (see _KEY_STEMS and _EXACT_KEYS; keys are
# compared without separators, so "api key" parts may be split by any of them).
_KEY_HINT: Final = re.compile(
    r"pass|pwd|secret|token|auth|cookie|session|credential|sig|dsn|jwt|sid"
    r"|(?:api|access|private)[^a-z0-9]*key|database[^a-z0-9]*url|connection[^a-z0-9]*string"
)

_Replace = Callable[[re.Match[str]], str]


def _token_replacer(label: str) -> _Replace:
    """A `re.sub` callback giving the marker, unless the prefix is glued to a word."""
    replacement = marker(label)

    def replace(match: re.Match[str]) -> str:
        start = match.start()
        if start and match.string[start - 1].isalnum():
            return match[0]
        return replacement

    return replace


# The formats grouped by the needle group whose character they hold.
_TOKEN_GROUPS: Final = tuple(
    (
        character,
        tuple(
            (prefix, re.compile(pattern), _token_replacer(label))
            for prefix, pattern, label in _TOKEN_FORMATS
            if any(needle in prefix or prefix in needle for needle in needles)
        ),
    )
    for character, needles in _TOKEN_NEEDLES
)

# --- URL credentials and authorization schemes ----------------------------------

# scheme://user:{password}@host keeps scheme, user and host; the password may hold '@'.
# Starts with the literal "://" (found by fast substring search), a scheme before it.
_URL_CREDENTIALS: Final = re.compile(
    r"(?<=[A-Za-z0-9+.-])(?P<prefix>://[^\s:/?#@]*+:)(?P<password>[^\s/?#]{0,512})@"
)
_BEARER: Final = re.compile(r"\b(?P<scheme>bearer)(?P<space>\s+)[^\s,;\"']++", re.IGNORECASE)
_BASIC: Final = re.compile(
    r"\b(?P<scheme>basic)(?P<space>\s+)(?P<credentials>[A-Za-z0-9+/]++={0,2})", re.IGNORECASE
)

# --- key=value pairs ----------------------------------------------------------------

# Searched in the REVERSED text, so the engine jumps from separator to separator
# (`=` or `:`) and reads the key backwards from there: `password=`, `"api_key": `,
# `user[password]=`, `X-Api-Key: ` all end, read backwards, at the key's start.
_PAIR_REVERSED: Final = re.compile(r"[:=][ \t]*+[\]\"']?(?P<key>[A-Za-z0-9_.-]++)")
# The value after a separator: a quoted string, or text up to a space or delimiter.
_VALUE: Final = re.compile(
    r"[ \t]*+(?P<value>\"(?:[^\"\\\n]|\\.)*+\"?|'(?:[^'\\\n]|\\.)*+'?|[^\s&,;\"']++)"
)
# Headers such as Cookie and Authorization lose everything up to the end of the line.
_REST_OF_LINE: Final = re.compile(
    r"[ \t]*+(?P<value>\"(?:[^\"\\\n]|\\.)*+\"?|'(?:[^'\\\n]|\\.)*+'?|[^\r\n]++)"
)
_WHOLE_LINE_LABELS: Final = frozenset({"authorization", "cookie"})

_MARKERS: Final[Mapping[str, str]] = {
    label: marker(label)
    for label in {label for _, label in _KEY_STEMS}
    | set(_EXACT_KEYS.values())
    | {label for _, _, label in _TOKEN_FORMATS}
    | {"password", "bearer", "basic"}
}


_CLEAN_TEXTS: Final[set[str]] = set()
"""Short texts already found clean. Log lines repeat header values, methods, paths and
short fixed messages; a set lookup answers those at once. Only clean text is kept."""
_CLEAN_TEXT_MAX_LENGTH: Final = 64
_CLEAN_TEXTS_SIZE: Final = 2048


def might_hold_secret(text: str) -> bool:
    """False only if no rule of `redact_text` can match anywhere in `text`.

    Substring tests only, so it is cheap on ordinary text. If it is False for a
    string joined from several parts, it is False for each part, so a caller may
    test a whole log record at once.
    """
    if len(text) < 5:  # "pwd=x" is the shortest text any rule matches
        return False
    if len(text) >= _SHORTEST_TOKEN:
        for character, needles in _TOKEN_NEEDLES:
            if character in text:
                for needle in needles:
                    if needle in text and (needle != "gh" or _github_prefix_in(text)):
                        return True
    if "://" in text and "@" in text:
        return True
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        return True
    return (
        ("=" in text or ":" in text)
        and _KEY_HINT.search(lowered) is not None
        and _has_sensitive_pair(text)
    )


def _has_key_hint(lowered: str) -> bool:
    """True if lowercase `lowered` holds a word every sensitive key holds."""
    return _KEY_HINT.search(lowered) is not None


def _github_prefix_in(text: str) -> bool:
    """True if a GitHub token prefix occurs in `text` ("gh" alone is common in words)."""
    return any(prefix in text for prefix in _GITHUB_PREFIXES)


def _has_sensitive_pair(text: str) -> bool:
    """True if a key before some `=` or `:` in `text` is sensitive."""
    for pair in _PAIR_REVERSED.finditer(text[::-1]):
        if sensitive_key_label(pair["key"][::-1]) is not None:
            return True
    return False


def _known_clean(text: str) -> bool:
    """`not might_hold_secret(text)`, remembered for short texts (bounded)."""
    short = len(text) <= _CLEAN_TEXT_MAX_LENGTH
    if short and text in _CLEAN_TEXTS:
        return True
    if might_hold_secret(text):
        return False
    if short:
        if len(_CLEAN_TEXTS) >= _CLEAN_TEXTS_SIZE:
            _CLEAN_TEXTS.clear()
        _CLEAN_TEXTS.add(text)
    return True


def redact_text(text: str) -> str:
    """Replace secret-shaped substrings of `text`; text with none comes back unchanged."""
    if _known_clean(text):
        return text
    lowered = text.lower()
    # Decided before any marker is inserted: markers hold words such as "password".
    pairs = ("=" in text or ":" in text) and _has_key_hint(lowered)
    if len(text) >= _SHORTEST_TOKEN:
        for character, rules in _TOKEN_GROUPS:
            if character in text:
                for prefix, pattern, replace in rules:
                    if prefix in text:
                        text = pattern.sub(replace, text)
    if "://" in text and "@" in text:
        text = _URL_CREDENTIALS.sub(r"\g<prefix>[REDACTED:password]@", text)
    if "bearer" in lowered:
        text = _BEARER.sub(r"\g<scheme>\g<space>[REDACTED:bearer]", text)
    if "basic" in lowered:
        text = _BASIC.sub(_basic_marker, text)
    if pairs:
        text = _redact_pairs(text)
    return text


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
        pattern = _REST_OF_LINE if label in _WHOLE_LINE_LABELS else _VALUE
        value = pattern.match(text, separator_end)
        if value is None:
            continue
        raw = value["value"]
        quote = raw[0] if raw[0] in "\"'" else ""
        closing = quote if quote and len(raw) > 1 and raw.endswith(quote) else ""
        pieces.append(text[position : value.start("value")])
        pieces.append(f"{quote}{_MARKERS[label]}{closing}")
        position = value.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


# --- Structures -------------------------------------------------------------------

_SCALARS: Final = frozenset({type(None), bool, int, float})


@overload
def redact(value: str) -> str: ...
@overload
def redact(value: Mapping[str, object]) -> dict[str, object]: ...
@overload
def redact(value: list[Any]) -> list[object]: ...
@overload
def redact(value: tuple[object, ...]) -> tuple[object, ...]: ...
@overload
def redact(value: object) -> object: ...
def redact(value: object) -> object:
    """A redacted copy of `value`; the input is never modified.

    Strings are redacted by `redact_text`; a Mapping becomes a dict whose values
    under sensitive keys are replaced whole; lists and other sequences become
    lists, tuples stay tuples, sets stay sets; every other value (numbers, None,
    bytes, objects) comes back unchanged. Cycles and very deep nesting are
    replaced by a marker instead of recursing forever.
    """
    return _redact(value, set(), 0, stringify=False)


def redact_for_logging(value: object) -> object:
    """Like `redact`, but JSON-ready: unknown objects become their redacted `str()`.

    A log formatter would otherwise call `str()` on them after redaction ran.
    Containers become dicts and lists; mapping keys become strings.
    """
    kind = type(value)
    if kind is str:
        return redact_text(cast("str", value))
    if kind in _SCALARS:
        return value
    if kind is dict:  # the usual case: skip the generic walk's type tests
        return _redact_mapping(cast("dict[object, object]", value), {id(value)}, 0, stringify=True)
    return _redact(value, set(), 0, stringify=True)


def _redact(value: object, active: set[int], depth: int, *, stringify: bool) -> object:
    """Walk `value`; `active` holds the containers on the current path (cycle check)."""
    if isinstance(value, str):
        return redact_text(value)
    if type(value) in _SCALARS:
        return value
    kind = type(value)
    if kind is dict:
        mapping: Mapping[object, object] | None = cast("dict[object, object]", value)
        collection: Collection[object] | None = None
    elif kind is list or kind is tuple:
        mapping, collection = None, cast("Collection[object]", value)
    else:
        mapping = _as_mapping(value)
        collection = _as_collection(value) if mapping is None else None
    if mapping is None and collection is None:
        return redact_text(str(value)) if stringify else value
    identity = id(value)
    if identity in active:
        return CYCLE
    if depth >= MAX_DEPTH:
        return TOO_DEEP
    active.add(identity)
    try:
        if mapping is not None:
            return _redact_mapping(mapping, active, depth, stringify=stringify)
        items = [
            _redact(item, active, depth + 1, stringify=stringify) for item in collection or ()
        ]
    finally:
        active.discard(identity)
    if stringify:
        return items
    if isinstance(value, tuple):
        return tuple(items)
    if isinstance(value, frozenset):
        return frozenset(items)
    if isinstance(value, Set):
        return set(items)
    return items


def _as_mapping(value: object) -> Mapping[object, object] | None:
    """`value` if it is a Mapping to walk."""
    return cast("Mapping[object, object]", value) if isinstance(value, Mapping) else None


def _as_collection(value: object) -> Collection[object] | None:
    """`value` if it is a sequence or set to walk; str and bytes are not walked."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        return None
    return cast("Collection[object]", value) if isinstance(value, Sequence | Set) else None


def _redact_mapping(
    mapping: Mapping[object, object], active: set[int], depth: int, *, stringify: bool
) -> dict[object, object]:
    """Copy `mapping`: sensitive keys get a marker, other values are walked.

    Text keys and values are tested together first: usually nothing in them
    looks secret and each need not be redacted on its own.
    """
    result: dict[object, object] = {}
    texts: list[str] = []
    for key, item in mapping.items():
        label = None
        if isinstance(key, str):
            label = sensitive_key_label(key)
            texts.append(key)
        elif stringify:
            key = str(key)
            texts.append(key)
        if label is not None and item is not None:
            result[key] = _MARKERS[label]
        elif type(item) is str:
            result[key] = item
            texts.append(item)
        elif type(item) in _SCALARS:
            result[key] = item
        else:
            result[key] = _redact(item, active, depth + 1, stringify=stringify)
    if texts and not _known_clean("\n".join(texts)):
        result = {
            (redact_text(key) if isinstance(key, str) else key): (
                redact_text(item) if type(item) is str else item
            )
            for key, item in result.items()
        }
    return result


# --- Headers ----------------------------------------------------------------------


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
            value = _MARKERS[label]
        else:
            text = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else raw_value
            value = redact_text(text)
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result
