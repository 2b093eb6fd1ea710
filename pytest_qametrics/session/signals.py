"""Interrupts: SIGTERM ends a run like Ctrl-C, and no interrupt cuts the report set in half."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["InterruptGuard"]


class InterruptGuard:
    """Counts SIGINT and SIGTERM in the process that judges SLOs.

    Both raise ``KeyboardInterrupt``, so pytest stops the run and the reports say it was
    interrupted (SIGTERM is what CI sends when a job is cancelled; by default it kills the
    process before a single report is written). The count is kept apart from pytest's exit
    status, which a second Ctrl-C arriving while pytest handles the first leaves at 0. While
    the reports are written, further signals only count: the set is finished first.
    Handlers that someone else installed are left alone.
    """

    def __init__(self) -> None:
        self.count = 0
        self.deferred = 0
        self._deferring = False
        self._previous: dict[int, object] = {}

    @property
    def interrupted(self) -> bool:
        """True once SIGINT or SIGTERM arrived."""
        return self.count > 0

    def install(self) -> None:
        """Handle SIGINT and SIGTERM (main thread only, where Python delivers signals)."""
        if threading.current_thread() is not threading.main_thread():
            return
        defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
        for number, default in defaults.items():
            if signal.getsignal(number) is default:
                self._previous[number] = default
                signal.signal(number, self._handle)

    def uninstall(self) -> None:
        """Put back the handlers that were there before."""
        for number, previous in self._previous.items():
            signal.signal(number, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self.count += 1
        if self._deferring:
            self.deferred += 1
            return
        raise KeyboardInterrupt(f"interrupted by {signal.Signals(number).name}")

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Within the block, a signal is counted but does not interrupt."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
