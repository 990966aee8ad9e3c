"""Building blocks for patterns searched in text read backwards."""

import re
from collections.abc import Iterable
from typing import Any, Final, NamedTuple

__all__ = ["Backwards", "reversed_prefix", "trie"]

_COMMON: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ")


class Backwards(NamedTuple):
    """A prefix read backwards: search `literal`, then `tail`; `consumed` is the text matched."""

    literal: str
    tail: str
    consumed: str


def reversed_prefix(prefix: str) -> Backwards | None:
    """`prefix` read backwards from its last rare character; None if it has none.

    Backwards text is searched by skipping to a rare character (`_`, `-`, `.`, an
    uppercase letter); common characters after the prefix's last rare one are
    checked by a lookbehind once the engine stands on it.
    """
    backwards = prefix[::-1]
    for index, character in enumerate(backwards):
        if character in _COMMON:
            continue
        rest = backwards[index + 1 :]
        if not index:
            return Backwards(backwards, "", backwards)
        check = f"(?<={re.escape(backwards[: index + 1])})"
        return Backwards(character, check + re.escape(rest), backwards[index:])
    return None


def trie(entries: Iterable[tuple[str, str]], *, any_case: bool = False) -> str:
    """One pattern for (literal, tail pattern) entries, the literals merged into a trie.

    The engine then tries a handful of alternatives per character, not one per entry.
    `any_case` matches letters in either case by a class per letter (`[pP]`): the
    IGNORECASE flag would make the search several times slower.
    """

    def literal(character: str) -> str:
        if any_case and character.lower() != character.upper():
            return f"[{character.lower()}{character.upper()}]"
        return re.escape(character)

    root: dict[str, Any] = {}
    for text, tail in entries:
        node = root
        for character in text.lower() if any_case else text:
            node = node.setdefault(character, {})
        node.setdefault("", []).append(tail)

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            literal(character) + pattern(child)
            for character, child in sorted(node.items())
            if character
        ]
        tails: list[str] = node.get("", [])
        if tails:
            branches.append("(?:" + "|".join(tails) + ")" if len(tails) > 1 else tails[0])
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(root)
