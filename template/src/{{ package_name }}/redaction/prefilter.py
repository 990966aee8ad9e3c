"""One cheap pass that says whether any redaction rule could match a text.

Most log text holds no secret, so `might_hold_secret` must cost far less than
the rules. It is one regular-expression search over the text read backwards
plus a few substring tests. Read backwards, every trigger starts with a rare
character the engine can skip to: the separator after a key (`=`, `:`), the
`@` ending URL credentials, the `_`/`-`/`.` ending a token prefix, or an
uppercase letter; the words inside keys are then read from there.
"""

import re
from collections.abc import Iterator
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


_PREFIXES: Final = token_prefixes()
# Prefixes of common characters only are looked for by substring tests instead.
_PLAIN_PREFIXES: Final = tuple(prefix for prefix in _PREFIXES if reversed_prefix(prefix) is None)
# A key read backwards from its separator, up to a hint word; a word can start
# only where one of its letters stands (the lookahead spares the trie elsewhere).
_HINT_ENDS: Final = "".join(sorted({hint[-1] for hint in KEY_HINTS}))
_PAIR_KEY: Final = (
    rf"[ \t]*+[\]\"']?[A-Za-z0-9_.-]*?(?=[{_HINT_ENDS}{_HINT_ENDS.upper()}])"
    + trie(((hint[::-1], "") for hint in KEY_HINTS), any_case=True)
)
_PAIRS: Final = re.compile(trie((("=", _PAIR_KEY), (":", _PAIR_KEY))))
# Searched in the text read backwards; every entry starts with a rare literal.
_TRIGGER: Final = re.compile(
    trie(
        (
            *(
                (backwards.literal, backwards.tail)
                for prefix in _PREFIXES
                if (backwards := reversed_prefix(prefix)) is not None
            ),
            ("=", _PAIR_KEY),  # `password=`
            (":", _PAIR_KEY),  # `"api_key": `
            ("@", r"[^\s/?#]*+//:"),  # URL credentials: scheme, user, then the secret
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
    return _PAIRS.search(text[::-1]) is not None


def decodings(text: str) -> Iterator[str]:
    """`text` percent-decoded once, twice, ...: `%2520` is `%20` encoded once more (bounded)."""
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(text)
        if decoded == text:
            return
        yield decoded
        text = decoded


def _could_match(text: str) -> bool:
    """The trigger search and the substring tests, on `text` as it is."""
    if _TRIGGER.search(text[::-1]) is not None:
        return True
    if "earer" in text or "EARER" in text or "asic" in text or "ASIC" in text:
        return True  # Bearer / Basic credentials
    for prefix in _PLAIN_PREFIXES:  # noqa: SIM110 - a plain loop: no generator on the hot path
        if prefix in text:
            return True
    return False
