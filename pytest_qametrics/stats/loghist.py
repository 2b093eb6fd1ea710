"""A mergeable log-bucket histogram with a relative error bound, for series past the exact cap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.stats.percentiles import nearest_rank

__all__ = ["RELATIVE_ERROR", "LogHistogram"]

#: Every quantile read from the histogram is within this relative distance of a sample at the
#: exact nearest rank (the bucket's representative value is at most this far from any member).
RELATIVE_ERROR = 0.005
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = math.log(_GAMMA)


class LogHistogram:
    """Counts of positive values in buckets (gamma^(k-1), gamma^k], plus a count of zeros.

    Bucket keys are the same as DDSketch's logarithmic mapping with alpha = 0.5%, so two
    histograms merge by adding counts, in any order, with no loss beyond the bucket width.
    """

    __slots__ = ("counts", "offset", "zeros")

    def __init__(self) -> None:
        self.counts: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.offset = 0
        self.zeros = 0

    @property
    def total(self) -> int:
        """How many values the histogram holds."""
        return int(self.counts.sum()) + self.zeros

    def add(self, values: npt.NDArray[np.float64]) -> None:
        """Add non-negative finite values."""
        positive = values[values > 0]
        self.zeros += int(values.size - positive.size)
        if positive.size == 0:
            return
        keys = np.ceil(np.log(positive) / _LOG_GAMMA).astype(np.int64)
        low = int(keys.min())
        self._add_counts(low, np.bincount(keys - low))

    def merge(self, other: LogHistogram) -> None:
        """Add every count of ``other`` into this histogram."""
        self.zeros += other.zeros
        if other.counts.size:
            self._add_counts(other.offset, other.counts)

    def _add_counts(self, offset: int, counts: npt.NDArray[np.int64]) -> None:
        if self.counts.size == 0:
            self.offset, self.counts = offset, counts.astype(np.int64, copy=True)
            return
        low = min(self.offset, offset)
        high = max(self.offset + self.counts.size, offset + counts.size)
        merged = np.zeros(high - low, dtype=np.int64)
        merged[self.offset - low : self.offset - low + self.counts.size] += self.counts
        merged[offset - low : offset - low + counts.size] += counts
        self.offset, self.counts = low, merged

    def quantile(self, p: float, low: float, high: float) -> float:
        """Return the nearest-rank p-quantile, clamped to the exact ``low`` and ``high``."""
        return self.value_at_rank(nearest_rank(p, self.total), low, high)

    def value_at_rank(self, rank: int, low: float, high: float) -> float:
        """Return the value of the ``rank``-th smallest sample (1-based), within the bound."""
        if rank <= self.zeros:
            return 0.0
        index = int(np.searchsorted(np.cumsum(self.counts), rank - self.zeros))
        value = 2 * _GAMMA ** (self.offset + index) / (_GAMMA + 1)
        return min(max(value, low), high)

    def to_wire(self) -> dict[str, Any]:
        """Return the histogram as exact builtins (little-endian int64 bytes for the counts)."""
        return {
            "alpha": RELATIVE_ERROR,
            "offset": int(self.offset),
            "counts": self.counts.astype("<i8").tobytes(),
            "zeros": int(self.zeros),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> LogHistogram:
        """Rebuild a histogram from :meth:`to_wire` output."""
        if data["alpha"] != RELATIVE_ERROR:
            raise ValueError(f"histogram alpha {data['alpha']} differs from {RELATIVE_ERROR}")
        hist = cls()
        hist.offset = int(data["offset"])
        hist.counts = np.frombuffer(data["counts"], dtype="<i8").astype(np.int64)
        hist.zeros = int(data["zeros"])
        return hist
