"""The one walk over structures: mappings, sequences and sets, to any depth, cycles included."""

from collections.abc import Collection, Mapping, Sequence, Set
from functools import lru_cache
from typing import Any, Final, cast, overload

from .keys import sensitive_key_label
from .markers import CYCLE, MAX_DEPTH, TOO_DEEP, marker
from .prefilter import might_hold_secret
from .text import redact_suspect_text, redact_text

__all__ = ["redact", "redact_for_logging", "redact_log_fields"]

_SCALARS: Final = frozenset({type(None), bool, int, float})
_FLAT: Final = _SCALARS | {str}
_GATHER_DEPTH: Final = 4
"""Deeper nesting is left to the full walk, whose cycle and depth checks it needs."""


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
    return _walk(value, set(), 0, stringify=False)


@overload
def redact_for_logging(value: Mapping[str, object]) -> dict[str, object]: ...
@overload
def redact_for_logging(value: object) -> object: ...
def redact_for_logging(value: object) -> object:
    """Like `redact`, but JSON-ready: unknown objects become their redacted `str()`.

    A log formatter would otherwise call `str()` on them after redaction ran.
    Containers become dicts and lists; mapping keys become strings. A log
    record's fields are handed here as one dict.
    """
    if type(value) is dict:  # the usual case, a record's fields: skip the type tests
        mapping = cast("dict[object, object]", value)
        return _walk_mapping(mapping, {id(mapping)}, 0, stringify=True)
    return _walk(value, set(), 0, stringify=True)


def redact_log_fields(message: str, fields: dict[str, object]) -> tuple[str, dict[str, object]]:
    """A log record's message and `extra=` fields, redacted; the same objects if nothing is.

    One prefilter pass covers the message and every text among the fields, so a
    clean record costs one search: field names are judged once per set of names
    (they come from code and repeat), texts gathered without copying. Only a
    record that may hold a secret is copied and redacted.
    """
    if not fields:
        return redact_text(message), fields
    texts = [message]
    if _gather(fields, texts, 0):
        return redact_text(message), redact_for_logging(fields)
    if len(texts) == 1:  # the message is the only text: if flagged, it holds the secret
        return (redact_suspect_text(message) if might_hold_secret(message) else message), fields
    if not might_hold_secret("\n".join(texts)):
        return message, fields
    if _FLAT.issuperset(map(type, fields.values())):  # no walk: each text on its own
        redacted = {
            key: redact_text(value) if type(value) is str else value
            for key, value in fields.items()
        }
        return redact_text(message), redacted
    return redact_text(message), redact_for_logging(fields)


@lru_cache(maxsize=1024)
def _names_need_walk(names: tuple[object, ...]) -> bool:
    """True if a set of field names has one that names a secret, is not text, or holds one."""
    texts: list[str] = []
    for name in names:
        if not isinstance(name, str) or sensitive_key_label(name) is not None:
            return True
        texts.append(name)
    return might_hold_secret("\n".join(texts))


def _gather(mapping: Mapping[Any, object], texts: list[str], depth: int) -> bool:
    """Append the texts among `mapping`'s values, nested ones too, to `texts`; True if in doubt.

    In doubt: a name that names or holds a secret, a value that is neither text,
    number nor a plain container, or nesting the walk must check for depth and cycles.
    Runs for every log record with fields: plain type tests, no `cast` calls.
    """
    if depth >= _GATHER_DEPTH or _names_need_walk(tuple(mapping)):
        return True
    for item in mapping.values():
        if type(item) is str:  # exact types: a str subclass is in doubt, and the walk takes it
            texts.append(item)
        elif type(item) not in _SCALARS and _gather_container(item, texts, depth):
            return True
    return False


def _gather_container(item: object, texts: list[str], depth: int) -> bool:
    """`_gather` for a value that is not text or a number: a dict, list or tuple of texts."""
    kind = type(item)
    if kind is dict:
        return _gather(cast("dict[object, object]", item), texts, depth + 1)
    if kind is not list and kind is not tuple:
        return True
    for element in cast("Collection[object]", item):
        if type(element) is str:
            texts.append(element)
        elif type(element) not in _SCALARS:
            return True
    return False


def _walk(value: object, active: set[int], depth: int, *, stringify: bool) -> object:
    """Redact `value`; `active` holds the containers on the current path (cycle check)."""
    if isinstance(value, str):
        return redact_text(value)
    if type(value) in _SCALARS:
        return value
    kind = type(value)
    if kind is dict:  # the usual containers first: ABC checks cost more
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
            return _walk_mapping(mapping, active, depth, stringify=stringify)
        items = [_walk(item, active, depth + 1, stringify=stringify) for item in collection or ()]
    finally:
        active.discard(identity)
    return items if stringify else _same_kind(value, items)


def _same_kind(original: object, items: list[object]) -> object:
    """`items` as the kind of collection `original` was: tuple, frozenset, set or list."""
    if isinstance(original, tuple):
        return tuple(items)
    if isinstance(original, frozenset):
        return frozenset(items)
    if isinstance(original, Set):
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


def _walk_mapping(
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
        if type(key) is str:
            label = sensitive_key_label(key)
            texts.append(key)
        elif stringify:
            key = str(key)
            texts.append(key)
        if label is not None and item is not None:
            result[key] = marker(label)
        elif type(item) is str:
            result[key] = item
            texts.append(item)
        elif type(item) in _SCALARS:
            result[key] = item
        else:
            result[key] = _walk(item, active, depth + 1, stringify=stringify)
    if not texts or not might_hold_secret("\n".join(texts)):
        return result
    keys = [key for key in result if isinstance(key, str)]
    if might_hold_secret("\n".join(keys)):  # keys seldom hold a secret: tested together
        result = {
            (redact_text(key) if isinstance(key, str) else key): item
            for key, item in result.items()
        }
    return {key: redact_text(item) if type(item) is str else item for key, item in result.items()}
