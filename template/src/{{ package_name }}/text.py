"""Rules for user text: what a single-line field and a multi-line body may hold.

Stored text is shown to people later, in terminals, log viewers and browsers.
Control characters can drive a terminal or hide a line break; bidirectional
overrides reorder what a reader sees ("Trojan Source"); zero-width characters
make two different strings look the same. A refusal names the rule, never the text.
"""

import re

from pydantic import AfterValidator

__all__ = ["MultiLine", "SingleLine", "check_multi_line", "check_single_line"]

# C0 controls, DEL and C1 controls.
_CONTROLS = "\x00-\x1f\x7f-\x9f"
# Bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Zero-width space/non-joiner/joiner, word joiner, byte-order mark.
_ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff"
# Line and paragraph separators break a "single" line as surely as \n does.
_SEPARATORS = "\u2028\u2029"

_NOT_SINGLE_LINE = re.compile(f"[{_CONTROLS}{_BIDI}{_ZERO_WIDTH}{_SEPARATORS}]")
# A body may hold \t (0x09) and \n (0x0a), nothing else below 0x20.
_NOT_MULTI_LINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _refuse(forbidden: re.Pattern[str], value: str, rule: str) -> str:
    """`value` unchanged, or a ValueError stating `rule` (never the value itself)."""
    if forbidden.search(value):
        raise ValueError(rule)
    return value


def check_single_line(value: str) -> str:
    """Refuse control, bidi-override and zero-width characters and line separators."""
    return _refuse(
        _NOT_SINGLE_LINE,
        value,
        "must be one line of visible text: no control characters, line breaks, "
        "bidirectional overrides or zero-width characters",
    )


def check_multi_line(value: str) -> str:
    """Refuse control characters other than tab and newline (a body is free text)."""
    return _refuse(
        _NOT_MULTI_LINE,
        value,
        "may hold newlines and tabs but no other control characters (carriage returns included)",
    )


SingleLine = AfterValidator(check_single_line)
MultiLine = AfterValidator(check_multi_line)
