"""``timed()``: time application code into the running test's latency tracker, or do nothing."""

from __future__ import annotations

from contextvars import ContextVar
from time import perf_counter
from types import TracebackType
from typing import Any, TypeVar

from pytest_qametrics.samples.itemstore import ItemStore, LatencySeries, normalize_tags

__all__ = ["RecordingTarget", "recording_target", "timed"]

F = TypeVar("F")


class RecordingTarget:
    """Points at the store of the test that is running in this process, if any.

    This is the one piece of process-wide state: application code has no handle on pytest,
    so ``timed()`` finds the running test here. The plugin sets it around each test and
    restores the previous value afterwards (nested pytester sessions stack correctly).
    """

    __slots__ = ("store",)

    def __init__(self) -> None:
        self.store: ItemStore | None = None

    def swap(self, store: ItemStore | None) -> ItemStore | None:
        """Make ``store`` the target and return the one it replaces."""
        previous, self.store = self.store, store
        return previous


recording_target = RecordingTarget()

# (start, series) frames of the timed() blocks open in this thread or task.
# (owner, start, series, outer frame) of the timed() blocks open in this thread or task.
_open_blocks: ContextVar[tuple[Any, float, LatencySeries, Any] | None] = ContextVar(
    "qametrics_open_blocks", default=None
)


class timed:
    """Time a block or every call of a function as ``operation``, when a test is running.

    Outside a test (production code, a script) it records nothing and reads no clock. Inside
    a test the samples land in that test's ``latency_tracker``.
    """

    __slots__ = ("_operation", "_tags")

    def __init__(self, operation: str, **tags: Any) -> None:
        if not isinstance(operation, str) or not operation:
            raise ValueError(
                f"timed() needs a non-empty operation name such as 'checkout', not {operation!r}"
            )
        self._operation = operation
        self._tags = normalize_tags(tags) if tags else ()

    def _series(self) -> LatencySeries | None:
        store = recording_target.store
        return None if store is None else store.latency(self._operation, self._tags)

    def __enter__(self) -> timed:
        store = recording_target.store
        if store is not None:
            series = store.latency(self._operation, self._tags)
            _open_blocks.set((self, perf_counter(), series, _open_blocks.get()))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        frame = _open_blocks.get()
        if frame is None or frame[0] is not self:  # entered while no test was running
            return
        _, start, series, outer = frame
        _open_blocks.set(outer)
        elapsed = perf_counter() - start
        if exc_type is None:
            series.ok.append(elapsed)
        else:
            series.add_exception(elapsed, exc)

    async def __aenter__(self) -> timed:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        """Decorate a sync or async function so each call is timed."""
        from pytest_qametrics.trackers.latency import decorate  # not needed to record a block

        return decorate(func, self._series)  # type: ignore[type-var]
