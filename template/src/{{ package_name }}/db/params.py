"""`:name` placeholders: found once per SQL text, checked against params on every call.

The scanner skips string literals, quoted identifiers, comments, PostgreSQL
dollar-quoted bodies and `::` casts, so only real placeholders count. Known
limit: a PostgreSQL array slice written `arr[lo:hi]` reads `:hi` as a
placeholder; write `arr[lo : hi]` instead.
"""

import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import LiteralString, NamedTuple, NoReturn

__all__ = [
    "CompiledSql",
    "Compiler",
    "SqlParameterError",
    "compile_for_postgresql",
    "compile_for_sqlite",
    "raise_mismatch",
]


class SqlParameterError(ValueError):
    """The SQL's placeholders and the params given do not match; nothing was run."""


class CompiledSql(NamedTuple):
    """SQL in the driver's placeholder style, the names it expects, and how many."""

    sql: LiteralString
    names: AbstractSet[str]
    size: int


Compiler = Callable[[LiteralString], CompiledSql]

_TOKENS = re.compile(
    r"""
      (?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*'          # PostgreSQL E'...' string
    | '(?:[^']|'')*'                              # string literal
    | "(?:[^"]|"")*"                              # quoted identifier
    | --[^\n]*                                    # line comment
    | /\*.*?\*/                                   # block comment
    | \$(?P<tag>(?:[A-Za-z_]\w*)?)\$.*?\$(?P=tag)\$  # PostgreSQL dollar quote
    | (?P<cast>::)                                # PostgreSQL cast
    | :(?P<name>[A-Za-z_]\w*)                     # our placeholder
    | (?P<foreign>\?\d*|(?<![\w$@])[@$][A-Za-z_]\w*)  # SQLite's other placeholder styles
    """,
    re.VERBOSE | re.DOTALL | re.ASCII,
)


def compile_for_sqlite(sql: LiteralString) -> CompiledSql:
    """SQLite binds `:name` itself: keep the text; refuse `?`, `@x`, `$x` and `::`."""
    names: set[str] = set()
    for match in _TOKENS.finditer(sql):
        if match["name"]:
            names.add(match["name"])
        elif match["foreign"]:
            raise SqlParameterError(_foreign_style(match["foreign"]))
        elif match["cast"]:
            raise SqlParameterError("SQLite has no :: cast; write CAST(:name AS type)")
    return CompiledSql(sql, frozenset(names), len(names))


def compile_for_postgresql(sql: LiteralString) -> CompiledSql:
    """psycopg binds `%(name)s`: rewrite `:name` and double every other `%`.

    `?` and `@` stay as written: they are PostgreSQL operators (jsonb, text search).
    """
    names: set[str] = set()
    parts: list[LiteralString] = []
    done = 0
    for match in _TOKENS.finditer(sql):
        if match["name"]:
            names.add(match["name"])
            before = sql[done : match.start()].replace("%", "%%")
            parts.extend((before, "%(", sql[match.start() + 1 : match.end()], ")s"))
            done = match.end()
    parts.append(sql[done:].replace("%", "%%"))
    return CompiledSql("".join(parts), frozenset(names), len(names))


def raise_mismatch(
    sql: LiteralString, names: AbstractSet[str], params: Mapping[str, object]
) -> NoReturn:
    """Raise naming each missing or unexpected parameter (names only, never values)."""
    missing = sorted(names - params.keys())
    unexpected = sorted(str(key) for key in params.keys() - names)
    problems: list[str] = []
    if missing:
        problems.append("missing " + ", ".join(f":{name}" for name in missing))
    if unexpected:
        problems.append("not in the SQL " + ", ".join(repr(name) for name in unexpected))
    statement = " ".join(sql.split())[:60]
    raise SqlParameterError(
        f"params do not match the placeholders of {statement!r}: {'; '.join(problems)}"
    )


def _foreign_style(placeholder: str) -> str:
    return f"use :name placeholders with a params mapping, not {placeholder[:32]!r}"
