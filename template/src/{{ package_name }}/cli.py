"""The command line: `serve` (the default) and `migrate`, with `--help` and `--version`.

Parsing comes first and reads nothing (the command's own modules load only
after it, so `--help` answers at once): `--help`, `--version` and a usage error
never touch the settings or the database. A usage error is one line on stderr
(exit 2) that names the problem and points at `--help`; anything it echoes is
redacted, so a secret typed on the command line does not reach a terminal log.
"""

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final, NoReturn

from . import DISTRIBUTION
from .redaction import redact_text

__all__ = ["build_parser", "main", "migrate_command"]

_USAGE_ERROR = 2
_ECHO_LIMIT = 200  # a usage error quotes at most this much of what was typed
_TOP_OPTIONS = frozenset({"-h", "--help", "--version"})
_COMMANDS: Final = {
    "serve": "start the HTTP server",
    "migrate": "create or update the database tables, as the schema owner "
    "(MIGRATION_DATABASE_URL; DATABASE_URL on SQLite), then exit",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one redacted line that points at --help."""

    def error(self, message: str) -> NoReturn:
        text = redact_text(message)
        if len(text) > _ECHO_LIMIT:
            text = text[:_ECHO_LIMIT] + "..."
        self.exit(_USAGE_ERROR, f"{self.prog}: {text}; run `{self.prog} --help` for usage\n")


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The parser for `prog` (`python -m <package>` or the installed script's name)."""
    parser = _Parser(
        prog=prog,
        usage="%(prog)s [-h] [--version] [COMMAND]",
        description="Run the service or prepare its database.",
        epilog="Settings come from the environment and .env; .env.example lists every one.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--version", action="version", version=f"{DISTRIBUTION} {_installed_version()}"
    )
    commands = parser.add_subparsers(
        dest="command",
        title="commands",
        metavar="COMMAND",
        help="serve when none is given",
        prog=prog,
    )
    for name, summary in _COMMANDS.items():
        commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> NoReturn:
    """Parse `argv` (default: the process's arguments), run the command, exit with its status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(prog or Path(sys.argv[0]).name)
    hidden = _value_taken_for_a_command(arguments)
    if hidden:
        parser.error(_unrecognized(hidden))
    parsed, extras = parser.parse_known_args(arguments)
    if extras:
        parser.error(_unrecognized(extras))
    if parsed.command == "migrate":
        raise SystemExit(migrate_command())
    from .server import serve  # the web stack loads only when it is needed

    raise SystemExit(serve())


def migrate_command(*, secrets_dir: Path | None = None) -> int:
    """Run `migrate`; return the exit status.

    It reads only the database settings (`DatabaseSettings`, the same sources
    and rules as the service's), so a migration Job needs no server settings.
    Every failure is one line naming the problem and its fix: no traceback,
    and never a URL or password. `secrets_dir` defaults to `/run/secrets`.
    """
    from .db import DatabaseUnavailableError, DatabaseUrlError, open_database
    from .db.migrate import MigrationError, apply_migrations
    from .settings import SECRETS_DIR, ConfigurationError, load_database_settings

    variable = "MIGRATION_DATABASE_URL"
    try:
        settings = load_database_settings(secrets_dir=secrets_dir or SECRETS_DIR)
        url = settings.migration_url()
        if settings.migration_database_url is None:
            variable = "DATABASE_URL"
        applied = apply_migrations(open_database(url, create=True))
    except (ConfigurationError, DatabaseUrlError, MigrationError) as error:
        print(f"migrate: {error}", file=sys.stderr)
        return 1
    except DatabaseUnavailableError as error:
        print(f"migrate: cannot use the database in {variable}: {error}", file=sys.stderr)
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("migrations: already up to date")
    return 0


def _value_taken_for_a_command(arguments: Sequence[str]) -> list[str]:
    """The unknown arguments up to the first word, if an unknown option precedes it.

    In `--password hunter2` argparse would take the value for the command and
    quote it back ("invalid choice: 'hunter2'"); report the option instead.
    """
    for index, argument in enumerate(arguments):
        if not argument.startswith("-"):
            before = arguments[:index]
            if argument in _COMMANDS or all(option in _TOP_OPTIONS for option in before):
                return []
            return [extra for extra in arguments[: index + 1] if extra not in _TOP_OPTIONS]
    return []


def _unrecognized(extras: Sequence[str]) -> str:
    """Name the unexpected options; count, but never show, other words (they may be values)."""
    options = [extra.partition("=")[0] for extra in extras if extra.startswith("-")]
    others = len(extras) - len(options)
    if others:
        options.append(f"{others} more not shown")
    return (
        f"unrecognized arguments: {' and '.join(options)} "
        "(settings come from the environment or .env, not from arguments)"
    )


def _installed_version() -> str:
    """The distribution's version, or a hint when the package is run uninstalled."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed: run `uv sync --locked`)"
