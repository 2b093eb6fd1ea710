"""What a regression key compares with: the series of an earlier run, as plain values.

The history stage loads these from its store or from a report.json; the judge only reads them,
so judging never depends on how or where a run was kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pytest_qametrics.stats.loghist import RELATIVE_ERROR, LogHistogram
from pytest_qametrics.stats.sums import exact_sum

__all__ = ["NO_BASELINE", "Baseline", "Confusion", "Histogram", "SeriesData", "SeriesKey"]

#: (scope, tracker, name): one series of one run, e.g. ("session", "latency", "checkout").
SeriesKey = tuple[str, str, str]


#: Why a regression key has nothing to compare with when no history and no baseline are set.
NO_BASELINE = (
    "no baseline to compare with: run once with --qametrics-history=PATH to record one (later "
    "runs compare with the latest earlier run), or pass --qametrics-baseline=path/to/report.json"
)


@dataclass(frozen=True, slots=True)
class Histogram:
    """A series' durations as a LogHistogram (0.5% buckets) plus exact count, sums and extremes.

    ``counts[i]`` counts the values in bucket ``offset + i``; ``zeros`` the values <= 0.
    """

    offset: int
    counts: npt.NDArray[np.int64]
    zeros: int
    count: int
    total: float
    total_sq: float
    low: float
    high: float
    alpha: float = RELATIVE_ERROR

    @classmethod
    def of_values(cls, values: npt.NDArray[np.float64]) -> Histogram:
        """The histogram of exact samples."""
        hist = LogHistogram()
        hist.add(values)
        empty = values.size == 0
        return cls(
            offset=hist.offset,
            counts=hist.counts,
            zeros=hist.zeros,
            count=int(values.size),
            total=exact_sum(values),
            total_sq=float(np.dot(values, values)),
            low=math.nan if empty else float(values.min()),
            high=math.nan if empty else float(values.max()),
        )

    def log_histogram(self) -> LogHistogram:
        """The bucket counts as a LogHistogram."""
        hist = LogHistogram()
        hist.offset, hist.counts, hist.zeros = self.offset, self.counts.copy(), self.zeros
        return hist

    def mean(self) -> float:
        """The exact mean."""
        return self.total / self.count

    def variance(self) -> float:
        """The sample variance from the exact sums (0 for one sample)."""
        if self.count < 2:
            return 0.0
        mean = self.mean()
        return max(self.total_sq - self.count * mean * mean, 0.0) / (self.count - 1)


@dataclass(frozen=True, slots=True)
class Confusion:
    """A classifier's confusion matrix (rows true labels, columns predicted) and its labels."""

    labels: tuple[str, ...]
    matrix: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SeriesData:
    """What the baseline knows about one series."""

    stats: dict[str, float]
    histogram: Histogram | None = None
    confusion: Confusion | None = None


@dataclass(frozen=True, slots=True)
class Baseline:
    """The statistics (and, from a history file, histograms) of the run compared with."""

    #: How the summary names it: ``run 17`` or ``report.json at PATH``.
    label: str
    series: dict[SeriesKey, SeriesData] = field(default_factory=dict)
    #: Why there is no baseline run; empty when there is one.
    missing: str = ""

    @classmethod
    def absent(cls, why: str) -> Baseline:
        """No baseline, and the sentence that says why and how to get one."""
        return cls(label="-", missing=why)

    def lookup(self, key: SeriesKey) -> SeriesData | None:
        """The baseline's series ``key``, or None when it was not recorded."""
        return self.series.get(key)
