"""The values the history store reads and writes: runs, statistics, histograms, verdicts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pytest_qametrics.stats.loghist import RELATIVE_ERROR, LogHistogram

__all__ = [
    "Confusion",
    "Histogram",
    "RunFacts",
    "RunRecord",
    "RunRow",
    "SeriesKey",
    "TrendPoint",
    "VerdictRow",
]

#: (scope, tracker, name): one series of one run, e.g. ("session", "latency", "checkout").
SeriesKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What is known about a run before it is stored."""

    started: str
    exit_status: int
    duration: float | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    host: str | None = None
    python: str | None = None
    plugin_version: str | None = None


@dataclass(frozen=True, slots=True)
class RunRow:
    """A stored run: its id in the history file and its facts."""

    id: int
    facts: RunFacts


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
            total=math.fsum(values.tolist()),
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
class VerdictRow:
    """One SLO verdict of a stored run."""

    scope: str
    tracker: str
    name: str
    statistic: str
    part: str | None
    comparison: str
    threshold: float
    observed: float | None
    n: int
    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run's value of a series statistic."""

    run: int
    started: str
    value: float
    git_commit: str | None = None
    git_branch: str | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything stored about one run, written in one transaction."""

    facts: RunFacts
    #: series -> statistic -> value (finite values only)
    stats: dict[SeriesKey, dict[str, float]]
    histograms: dict[SeriesKey, Histogram]
    confusions: dict[SeriesKey, Confusion]
    verdicts: tuple[VerdictRow, ...] = ()
