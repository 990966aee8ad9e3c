"""Drive an interactive command through a real pseudo-terminal, as a person would.

pexpect gives the command a pty of a fixed size; everything it draws is read
back with the ANSI control sequences removed, so a test waits for the words a
person would see. prompt_toolkit (under Copier's questionary prompts) cuts every
line at the terminal's width, so text that is found was visible in full.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pexpect

__all__ = ["DOWN", "ENTER", "ERASE_LINE", "UP", "Terminal"]

ENTER = "\r"
UP = "\x1b[A"
DOWN = "\x1b[B"
ERASE_LINE = "\x15"  # Ctrl-U: clear the pre-filled default before typing

# CSI sequences, OSC strings, charset selections and single-character escapes.
_ANSI = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_=>])"
)


class Terminal:
    """One command running in a pty of `rows` x `columns`, with a reading cursor."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        columns: int = 80,
        rows: int = 50,
        timeout: float = 90,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
        env |= {
            "TERM": "xterm-256color",
            "CI": "true",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            # Real terminals answer cursor-position requests; a pty does not, and
            # prompt_toolkit would wait for the answer and print a warning.
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        self.timeout = timeout
        self._raw = ""
        self._mark = 0
        self._child = pexpect.spawn(
            argv[0],
            list(argv[1:]),
            cwd=str(cwd),
            env=env,
            dimensions=(rows, columns),
            encoding="utf-8",
            codec_errors="replace",
            timeout=timeout,
        )

    @property
    def text(self) -> str:
        """Everything drawn so far, control sequences removed."""
        raw = self._raw
        cut = raw.rfind("\x1b")
        if cut != -1 and not _ANSI.match(raw, cut):
            raw = raw[:cut]  # an escape sequence still arriving
        return _ANSI.sub("", raw).replace("\r", "")

    def expect(self, needle: str) -> None:
        """Wait until `needle` is drawn after what was already matched."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = self.text.find(needle, self._mark)
            if found != -1:
                self._mark = found + len(needle)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {needle!r}; the screen showed:\n{self.tail()}")
            self._read(f"waiting for {needle!r}")

    def send(self, keys: str) -> None:
        """Type keys."""
        self._child.send(keys)

    def answer(self, prompt: str, keys: str) -> None:
        """Wait for a prompt, then type the keys that answer it."""
        self.expect(prompt)
        self.send(keys)

    def wait_exit(self) -> int:
        """Read until the command ends; return its exit status."""
        deadline = time.monotonic() + self.timeout
        while self._child.isalive() or not self._child.eof():
            if time.monotonic() > deadline:
                self._child.terminate(force=True)
                raise AssertionError(f"command did not end; the screen showed:\n{self.tail()}")
            try:
                self._raw += self._child.read_nonblocking(4096, timeout=0.5)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
        self._child.close()
        status = self._child.exitstatus
        return status if status is not None else 128 + (self._child.signalstatus or 0)

    def tail(self, size: int = 3000) -> str:
        """The last characters drawn, for failure messages."""
        return self.text[-size:]

    def _read(self, why: str) -> None:
        try:
            self._raw += self._child.read_nonblocking(4096, timeout=0.5)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF as eof:
            raise AssertionError(
                f"command ended while {why}; the screen showed:\n{self.tail()}"
            ) from eof
