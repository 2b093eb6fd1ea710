"""Pooled samples of a scope (one SLO group, or the whole session) as tests finish."""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt

from pytest_qametrics.store import SeriesKey, add_error
from pytest_qametrics.wire import ItemRecord, SeriesEntry

__all__ = ["LatencyPool", "Population"]


class LatencyPool:
    """The durations of one series pooled over many tests."""

    __slots__ = ("errors", "fail", "ok")

    def __init__(self) -> None:
        self.ok: array[float] = array("d")
        self.fail: array[float] = array("d")
        self.errors: dict[str, int] = {}

    def add(self, entry: SeriesEntry) -> None:
        """Append one test's samples of this series."""
        self.ok.frombytes(entry.ok.astype("=f8", copy=False).tobytes())
        self.fail.frombytes(entry.fail.astype("=f8", copy=False).tobytes())
        for message, count in entry.errors.items():
            add_error(self.errors, message, count)


class Population:
    """The samples, call durations and outcomes of the tests in one scope."""

    def __init__(self) -> None:
        self.series: dict[SeriesKey, LatencyPool] = {}
        self.call_durations: array[float] = array("d")
        self.items = 0
        self.skipped = 0
        self.nodeids: list[str] = []

    @property
    def all_skipped(self) -> bool:
        """True when the scope had tests and every one of them was skipped."""
        return self.items > 0 and self.skipped == self.items

    def add_samples(self, record: ItemRecord) -> None:
        """Pool the series of one finished test."""
        for entry in record.series:
            pool = self.series.get(entry.key)
            if pool is None:
                pool = self.series[entry.key] = LatencyPool()
            pool.add(entry)

    def add_member(self, record: ItemRecord) -> None:
        """Pool one test of this scope with its outcome and call duration."""
        self.add_samples(record)
        self.items += 1
        self.nodeids.append(record.nodeid)
        if record.outcome == "skipped":
            self.skipped += 1
        elif record.call_duration is not None:
            self.call_durations.append(record.call_duration)

    def latency(
        self, operation: str | None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], dict[str, int]]:
        """Return (successful, failed, errors) of every latency series, or of one operation."""
        pools = [
            pool
            for (tracker, name, _), pool in self.series.items()
            if tracker == "latency" and (operation is None or name == operation)
        ]
        errors: dict[str, int] = {}
        for pool in pools:
            for message, count in pool.errors.items():
                add_error(errors, message, count)
        return _joined([p.ok for p in pools]), _joined([p.fail for p in pools]), errors


def _joined(parts: list[array[float]]) -> npt.NDArray[np.float64]:
    arrays = [np.frombuffer(p, dtype=np.float64) for p in parts if len(p)]
    if not arrays:
        return np.empty(0, dtype=np.float64)
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0].copy()
