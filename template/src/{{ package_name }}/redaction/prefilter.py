"""One cheap pass that says whether any redaction rule could match a text.

Most log text holds no secret, so `might_hold_secret` must cost far less than
the rules: one regular-expression search over the text read backwards, where
every trigger starts with a rare character the engine can skip to (the `@`
ending URL credentials, the `_`/`-`/`.` ending a token prefix, an uppercase
letter); then, only if the text has a `=` or `:`, the keys before them, whose
words are looked up once per key; the names of `--name value` options and of
closed XML elements; then the auth schemes (in any case, as the rules match
them) and a few substring tests.

What is judged is the text's shape (`shape`): every ASCII digit read as 0, the
token prefixes too (`ya29.` is looked for as `ya00.`). No trigger tells one
digit from another, so a clean shape means every text of that shape is clean,
and log lines that differ only in ids, counts, timings, ports and addresses
share one. Clean shapes are remembered (`CleanShapes`): a line whose shape was
seen costs a byte translation and a set lookup instead of the searches. Text
with a `%` is judged afresh each time, decoded: its escapes hold digits.
"""

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Final
from urllib.parse import unquote

from .formats import token_prefixes
from .keys import KEY_HINTS
from .patterns import reversed_prefix, trie

__all__ = ["CleanShapes", "decodings", "has_key_pair", "might_hold_secret", "shape"]

SHORTEST_QUERY_SECRET: Final = 20
"""Shorter query values are not tested for a secret's shape."""
QUERY_VALUE_CHARACTERS: Final = r"A-Za-z0-9_+/=.~%-"
_DECODE_ROUNDS: Final = 3
FLAG_PREFIX: Final = r"(?<![^\s\"'<>])--"
"""A command-line option's `--`, where a word starts: where a percent-encoded run may start too."""


_ZERO_DIGITS: Final = bytes.maketrans(b"123456789", b"000000000")


def shape(text: str) -> str:
    """`text` with every ASCII digit replaced by 0: what the triggers are built from and judge."""
    return (
        text.encode("utf-8", "surrogatepass")
        .translate(_ZERO_DIGITS)
        .decode("utf-8", "surrogatepass")
    )


class CleanShapes(set[bytes]):
    """The shapes of texts found clean, at most `size` of them, none longer than `longest` bytes.

    Only clean shapes are kept, so no secret (nor most of one) outlives its log
    call here. When full it starts again empty: a flood of distinct lines costs
    the searches it would have cost anyway, and memory stays bounded. A set, so
    the lookup on the logging hot path is the set's own.
    """

    def __init__(self, size: int = 4096, longest: int = 512) -> None:
        super().__init__()
        self.size = size
        self.longest = longest

    def add(self, element: bytes) -> None:
        """Remember a clean shape; a long one is not kept, and a full set starts again empty."""
        if len(element) > self.longest:
            return
        if len(self) >= self.size:
            self.clear()
        super().add(element)


_CLEAN_SHAPES: Final = CleanShapes()
_PREFIXES: Final = tuple(dict.fromkeys(shape(prefix) for prefix in token_prefixes()))
# Prefixes of common characters only are looked for by substring tests instead.
_PLAIN_PREFIXES: Final = tuple(prefix for prefix in _PREFIXES if reversed_prefix(prefix) is None)
# `key=` / `key: ` read backwards from the separator: the whole key, whose words
# are then looked up (keys repeat, so the answers are cached).
# Keys without a letter (`10.0.0.1:8080`) hold no word and are skipped. One
# pattern per separator: a literal first character makes the engine's scan fast.
_KEY_AFTER_SEPARATOR: Final = r"[ \t]*+[\]\"']?(?=[0-9_.-]*+[A-Za-z])([A-Za-z0-9_.-]++)"
_KEYS_BEFORE_EQUALS: Final = re.compile("=" + _KEY_AFTER_SEPARATOR)
_KEYS_BEFORE_COLON: Final = re.compile(":" + _KEY_AFTER_SEPARATOR)
_FLAG_NAMES: Final = re.compile(FLAG_PREFIX + r"([A-Za-z][A-Za-z0-9_-]{0,63})[ \t]")
# `<password>...</password>`: the closing tags' names (with a namespace prefix, if any).
_CLOSING_TAG_NAMES: Final = re.compile(r"</([A-Za-z_][\w.:-]{0,63})>")
_HINTS_BACKWARDS: Final = re.compile(
    trie(((shape(hint)[::-1], "") for hint in KEY_HINTS), any_case=True)
)
# Searched in the text read backwards; every entry starts with a rare literal.
_TRIGGER: Final = re.compile(
    trie(
        (
            *(
                (backwards.literal, backwards.tail)
                for prefix in _PREFIXES
                if (backwards := reversed_prefix(prefix)) is not None
            ),
            # URL credentials: scheme, user, then the secret. The run stops at an `@`
            # (the first one after `://` is the one to find), so `@@@...` is linear.
            ("@", r"[^\s/?#@]*+//:"),
            # `?key=value` with a value long enough to have a secret's shape
            (
                "=",
                rf"(?<=[{QUERY_VALUE_CHARACTERS}]{{{SHORTEST_QUERY_SECRET}}}=)[^=&?#\s]*+[?&]",
            ),
        )
    )
)


def might_hold_secret(text: str) -> bool:
    """False only if no redaction rule can match anywhere in `text`, nor in it percent-decoded.

    If it is False for text joined from parts by newlines, it is False for each
    part, so a caller may test a whole log record at once.
    """
    if "%" in text:
        return _could_match(shape(text)) or any(
            _could_match(shape(decoded)) for decoded in decodings(text)
        )
    text_shape = text.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
    if text_shape in _CLEAN_SHAPES:
        return False
    if _could_match(text_shape.decode("utf-8", "surrogatepass")):
        return True
    _CLEAN_SHAPES.add(text_shape)
    return False


def has_key_pair(text: str) -> bool:
    """True if `text` may hold `key=value` or `key: value` with a word of a sensitive key."""
    if "=" not in text and ":" not in text:
        return False
    text_shape = shape(text)  # the key words are looked for in shapes
    return _has_key_pair(text_shape, text_shape[::-1])


def decodings(text: str) -> Iterator[str]:
    """`text` percent-decoded once, twice, ...: `%2520` is `%20` encoded once more (bounded)."""
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(text)
        if decoded == text:
            return
        yield decoded
        text = decoded


def _could_match(text: str) -> bool:
    """The trigger search, the key words before separators and the substring tests."""
    backwards = text[::-1]
    if _TRIGGER.search(backwards) is not None:
        return True
    if ("=" in text or ":" in text) and _has_key_pair(text, backwards):
        return True
    if "--" in text and _names_hold_key_word(_FLAG_NAMES.findall(text)):
        return True
    if "</" in text and _names_hold_key_word(_CLOSING_TAG_NAMES.findall(text)):
        return True
    lowered = text.lower()  # the Bearer and Basic rules match the scheme in any case
    if "bearer" in lowered or "basic" in lowered:
        return True
    for prefix in _PLAIN_PREFIXES:  # noqa: SIM110 - a plain loop: no generator on the hot path
        if prefix in text:
            return True
    return False


def _has_key_pair(text: str, backwards: str) -> bool:
    """True if a key before a separator in `text` (`backwards` read backwards) holds a key word."""
    if "=" in text:
        for key in _KEYS_BEFORE_EQUALS.findall(backwards):
            if _holds_key_word(key):
                return True
    if ":" in text:
        for key in _KEYS_BEFORE_COLON.findall(backwards):
            if _holds_key_word(key):
                return True
    return False


def _names_hold_key_word(names: list[str]) -> bool:
    """True if one of `names` (option or element names, read forwards) holds a sensitive word."""
    for name in names:  # noqa: SIM110 - any() would add a generator per call on the logging hot path
        if _holds_key_word(name[::-1]):
            return True
    return False


@lru_cache(maxsize=4096)
def _holds_key_word(backwards_key: str) -> bool:
    """True if a key, read backwards, holds a word some sensitive key holds."""
    return _HINTS_BACKWARDS.search(backwards_key) is not None
