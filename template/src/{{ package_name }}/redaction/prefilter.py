"""One cheap pass that says whether any redaction rule could match a text.

Most log text holds no secret, so `might_hold_secret` must cost far less than
the rules: one regular-expression search over the text read backwards, where
every trigger starts with a rare character the engine can skip to (the `@`
ending URL credentials, the `_`/`-`/`.` ending a token prefix, an uppercase
letter); then, only if the text has a `=` or `:`, the keys before them, whose
words are looked up once per key; the names of `--name value` options and of
closed XML elements; then the auth schemes (in any case, as the rules match
them) and a few substring tests.
"""

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Final
from urllib.parse import unquote

from .formats import token_prefixes
from .keys import KEY_HINTS
from .patterns import reversed_prefix, trie

__all__ = ["decodings", "has_key_pair", "might_hold_secret"]

SHORTEST_QUERY_SECRET: Final = 20
"""Shorter query values are not tested for a secret's shape."""
QUERY_VALUE_CHARACTERS: Final = r"A-Za-z0-9_+/=.~%-"
_DECODE_ROUNDS: Final = 3
FLAG_PREFIX: Final = r"(?<![^\s\"'])--"
"""A command-line option's `--`, where a word starts."""


_PREFIXES: Final = token_prefixes()
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
_HINTS_BACKWARDS: Final = re.compile(trie(((hint[::-1], "") for hint in KEY_HINTS), any_case=True))
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
    if _could_match(text):
        return True
    if "%" in text:
        for decoded in decodings(text):
            if _could_match(decoded):
                return True
    return False


def has_key_pair(text: str) -> bool:
    """True if `text` may hold `key=value` or `key: value` with a word of a sensitive key."""
    return ("=" in text or ":" in text) and _has_key_pair(text, text[::-1])


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
