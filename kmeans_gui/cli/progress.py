"""Progress and the engine's warnings on stderr, out of the way of the results on stdout."""

from __future__ import annotations

import sys
import time
import warnings
from typing import TextIO

from .output import warn

PROGRESS_AFTER_S = 1.0  # quick runs print no progress at all
PROGRESS_EVERY_S = {True: 0.2, False: 5.0}  # on a terminal (rewritten line) / in a log


class Progress:
    """Progress on stderr: a self-rewriting line on a terminal, a line every few seconds
    otherwise, and nothing for runs that finish within a second or with --quiet."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.interval = PROGRESS_EVERY_S[self.tty]
        self.started = time.perf_counter()
        self.last = self.started
        self.drawn = False

    def restart(self) -> None:
        self.started = self.last = time.perf_counter()

    def show(self, message: str) -> None:
        now = time.perf_counter()
        if (
            not self.enabled
            or now - self.started < PROGRESS_AFTER_S
            or now - self.last < self.interval
        ):
            return
        self.last = now
        self._draw(message)

    def status(self, message: str) -> None:
        """Show ``message`` at once: a long step with no progress of its own is starting."""
        if self.enabled:
            self._draw(message)

    def _draw(self, message: str) -> None:
        if self.tty:
            self.stream.write(f"\r\033[K{message}")
            self.drawn = True
        else:
            self.stream.write(f"{message}\n")
        self.stream.flush()

    def loading(self, fraction: float, message: str) -> None:
        self.show(f"{message} ({fraction:.0%})")

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
        self.restart()


class WarningsToStderr:
    """Show Python warnings raised inside (e.g. by the engine) as 'warning: ...' lines, once."""

    def __enter__(self) -> list[str]:
        self._context = warnings.catch_warnings(record=True)
        self._caught = self._context.__enter__()
        warnings.simplefilter("always")
        self.messages: list[str] = []
        return self.messages

    def __exit__(self, *exc_info: object) -> None:
        self._context.__exit__(*exc_info)
        for item in self._caught:
            if issubclass(item.category, DeprecationWarning):
                continue
            message = str(item.message)
            if message not in self.messages:
                self.messages.append(message)
                warn(message)
