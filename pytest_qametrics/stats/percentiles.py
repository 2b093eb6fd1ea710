"""Percentile definitions: nearest-rank (the default) and numpy's linear interpolation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pytest_qametrics.choices import METHODS, PercentileMethod

__all__ = ["METHODS", "PercentileMethod", "nearest_rank", "percentiles", "sorted_percentiles"]

# p*n can land just above an integer in binary floating point (0.07 * 100 == 7.000000000000001),
# which would push a naive ceil() one rank too high; the guard is far below any real rank gap.
_RANK_EPSILON = 1e-9


def nearest_rank(p: float, n: int) -> int:
    """Return the 1-based rank ceil(p*n) of the p-quantile among n sorted samples."""
    if n <= 0:
        raise ValueError("a percentile of zero samples is undefined")
    return min(max(math.ceil(p * n - _RANK_EPSILON), 1), n)


def percentiles(
    values: npt.NDArray[np.float64], ps: Sequence[float], method: PercentileMethod
) -> list[float]:
    """Return the ``ps`` quantiles of a non-empty array, without modifying it."""
    n = int(values.size)
    if n == 0:
        raise ValueError("a percentile of zero samples is undefined")
    if method == "linear":
        return [float(q) for q in np.quantile(values, list(ps), method="linear")]
    ranks = [nearest_rank(p, n) - 1 for p in ps]
    part = np.partition(values, sorted(set(ranks)))
    return [float(part[r]) for r in ranks]


def sorted_percentiles(
    ordered: npt.NDArray[np.float64], ps: Sequence[float], method: PercentileMethod
) -> list[float]:
    """Return the ``ps`` quantiles of a non-empty, ascending array (no partition needed)."""
    n = int(ordered.size)
    if n == 0:
        raise ValueError("a percentile of zero samples is undefined")
    if method == "linear":
        return [float(q) for q in np.quantile(ordered, list(ps), method="linear")]
    return [float(ordered[nearest_rank(p, n) - 1]) for p in ps]
