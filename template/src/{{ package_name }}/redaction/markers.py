"""What a redacted value is replaced with: a marker naming the kind of value, never the value."""

from typing import Final

__all__ = ["CYCLE", "MAX_DEPTH", "TOO_DEEP", "marker"]

MAX_DEPTH: Final = 32
"""Containers nested deeper than this are replaced whole: no input can exhaust the stack."""

CYCLE: Final = "[cycle]"
TOO_DEEP: Final = "[nested too deeply]"


def marker(label: str) -> str:
    """The text that replaces a secret: `[REDACTED:label]`."""
    return f"[REDACTED:{label}]"
