"""Two periods of run-level values compared: the median change and a rank test's p-value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, median

import numpy as np

__all__ = ["MIN_RUNS", "PeriodChange", "compare_periods", "rank_test"]

#: Runs each period needs before a significance is stated.
MIN_RUNS = 3


@dataclass(frozen=True, slots=True)
class PeriodChange:
    """A statistic's median in two periods, the relative change and its significance."""

    current: float | None
    previous: float | None
    change: float | None
    p_value: float | None


def rank_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (normal approximation with a tie correction)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n1, n2 = x.size, y.size
    both = np.concatenate((x, y))
    order = both.argsort(kind="mergesort")
    ranks = np.empty(both.size, dtype=np.float64)
    ranks[order] = np.arange(1, both.size + 1, dtype=np.float64)
    _, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]  # tied values share their mean rank
    u = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2
    total = n1 + n2
    ties = float((counts**3 - counts).sum())
    variance = n1 * n2 / 12 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, 2 * (1 - NormalDist().cdf(max(z, 0.0))))


def compare_periods(current: Sequence[float], previous: Sequence[float]) -> PeriodChange:
    """Medians of both periods, the relative change, and a p-value when both have MIN_RUNS."""
    now = median(current) if current else None
    then = median(previous) if previous else None
    change = None
    if now is not None and then is not None and then != 0:
        change = (now - then) / abs(then)
    p = None
    if len(current) >= MIN_RUNS and len(previous) >= MIN_RUNS:
        p = rank_test(current, previous)
    return PeriodChange(now, then, change, p)
