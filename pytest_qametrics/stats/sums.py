"""A correctly rounded sum that survives values near the float limit."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["exact_sum"]


def exact_sum(values: npt.NDArray[np.float64]) -> float:
    """``math.fsum`` of ``values`` (the same in any arrival order), or, when its partial sums
    overflow (two values of 1e308), twice the sum of the halves: infinite only when the true
    sum is beyond the largest float, never an ``OverflowError``."""
    try:
        return math.fsum(values.tolist())
    except OverflowError:
        return 2.0 * math.fsum((values / 2.0).tolist())
