"""A latency series folded into a histogram: exact count, sum, min, max; approximate quantiles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.choices import DEFAULT_EXACT_CAP
from pytest_qametrics.stats.loghist import LogHistogram

__all__ = ["DEFAULT_EXACT_CAP", "LatencyDigest"]


class LatencyDigest:
    """Durations of a series past the exact cap: a LogHistogram plus exact moments and extremes."""

    __slots__ = ("high", "hist", "low", "n_fail", "n_ok", "total", "total_sq")

    def __init__(self) -> None:
        self.hist = LogHistogram()
        self.n_ok = 0
        self.n_fail = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.low = math.inf
        self.high = -math.inf

    @property
    def count(self) -> int:
        """How many durations were folded in."""
        return self.n_ok + self.n_fail

    def add(self, ok: npt.NDArray[np.float64], fail: npt.NDArray[np.float64]) -> None:
        """Fold successful and failed durations in."""
        for values in (ok, fail):
            if values.size:
                self.hist.add(values)
                self.total += float(values.sum())
                self.total_sq += float(
                    np.einsum("i,i->", values, values)
                )  # np.dot may spin up BLAS threads
                self.low = min(self.low, float(values.min()))
                self.high = max(self.high, float(values.max()))
        self.n_ok += int(ok.size)
        self.n_fail += int(fail.size)

    def merge(self, other: LatencyDigest) -> None:
        """Fold another digest in; the result does not depend on merge order."""
        self.hist.merge(other.hist)
        self.n_ok += other.n_ok
        self.n_fail += other.n_fail
        self.total += other.total
        self.total_sq += other.total_sq
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)

    def copy(self) -> LatencyDigest:
        """Return an independent copy."""
        twin = LatencyDigest()
        twin.merge(self)
        return twin

    def to_wire(self) -> dict[str, Any]:
        """Return the digest as exact builtins."""
        return {
            "hist": self.hist.to_wire(),
            "n_ok": self.n_ok,
            "n_fail": self.n_fail,
            "sum": self.total,
            "sum_sq": self.total_sq,
            "min": self.low,
            "max": self.high,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> LatencyDigest:
        """Rebuild a digest from :meth:`to_wire` output."""
        digest = cls()
        digest.hist = LogHistogram.from_wire(data["hist"])
        digest.n_ok = int(data["n_ok"])
        digest.n_fail = int(data["n_fail"])
        digest.total = float(data["sum"])
        digest.total_sq = float(data["sum_sq"])
        digest.low = float(data["min"])
        digest.high = float(data["max"])
        return digest
