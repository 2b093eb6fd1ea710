"""Anytime-valid confidence sequences for a mean in [0, 1]: the betting confidence sequence.

Method: Waudby-Smith and Ramdas, "Estimating means of bounded random variables by betting"
(JRSS B, 2024), one-sided capital processes with their predictable plug-in bets. For a
candidate mean m and observations x_1, x_2, ... in [0, 1],

    K+_t(m) = prod_{i<=t} (1 + l+_i(m) (x_i - m)),   l+_i(m) = min(l_i, c / m)
    K-_t(m) = prod_{i<=t} (1 - l-_i(m) (x_i - m)),   l-_i(m) = min(l_i, c / (1 - m))
    l_i     = sqrt(2 ln(1/alpha) / (s2_{i-1} i ln(1 + i)))
    mu_i    = (1/2 + sum_{j<=i} x_j) / (i + 1),   s2_i = (1/4 + sum_{j<=i} (x_j - mu_j)^2) / (i + 1)

with s2_0 = 1/4 and c = 1/2. Each bet depends only on earlier observations, so when the
conditional mean of every x_i is m, K+(m) and K-(m) are non-negative martingales starting at 1,
and Ville's inequality gives P(sup_t K(m) >= 1/alpha) <= alpha. Hence

    lower bound L_t = every m with K+_t(m) >= 1/alpha lies below the mean,
    upper bound U_t = every m with K-_t(m) >= 1/alpha lies above it,

each holds at every t simultaneously with probability >= 1 - alpha (``alpha = 1 - confidence``,
a one-sided level per bound, like every other ``confidence=`` in pytest-qametrics). K+_t(m)
decreases in m and K-_t(m) increases, so "the sequence lies above the threshold" is exactly
"K+_t(threshold) >= 1/alpha": the per-observation check is O(1) scalar arithmetic
(:class:`BettingSequence`). :func:`betting_bounds` evaluates the bounds on a grid, keeping the
running intersection over t (the best bound seen so far stays valid).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "BET_CAP",
    "BettingSequence",
    "Side",
    "betting_bounds",
    "first_crossings",
]

#: The largest share of the capital any single bet may risk (WSR's c).
BET_CAP = 0.5
#: "above": the mean is demonstrated above the threshold; "below": below it.
Side = Literal["above", "below"]
_GRID = 1001
_ROWS = 512


def _check(threshold: float, confidence: float) -> None:
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"the threshold of a betting sequence must lie in (0, 1), not {threshold}")
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0.5 and 1, not {confidence}")


class BettingSequence:
    """The two one-sided betting tests of one threshold, fed one observation at a time.

    ``add(x)`` costs a few float operations; once a side is reached it stays reached (the
    running intersection), and :attr:`decided` says which.
    """

    __slots__ = (
        "_cap_high",
        "_cap_low",
        "_log_high",
        "_log_low",
        "_log_target",
        "_mean_sum",
        "_sq_sum",
        "_variance",
        "count",
        "decided",
        "decided_at",
        "threshold",
    )

    def __init__(self, threshold: float, confidence: float) -> None:
        _check(threshold, confidence)
        self.threshold = threshold
        self._log_target = math.log(1.0 / (1.0 - confidence))
        self._cap_low = BET_CAP / threshold
        self._cap_high = BET_CAP / (1.0 - threshold)
        self.count = 0
        self._mean_sum = 0.5
        self._sq_sum = 0.25
        self._variance = 0.25
        self._log_low = 0.0  # log K+(threshold): evidence that the mean is above it
        self._log_high = 0.0  # log K-(threshold): evidence that the mean is below it
        self.decided: Side | None = None
        #: How many observations the decision took.
        self.decided_at: int | None = None

    def add(self, x: float) -> Side | None:
        """Take observation ``x`` (in [0, 1]); return the side once the sequence has decided."""
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"a betting sequence takes values in [0, 1], not {x!r}")
        t = self.count = self.count + 1
        bet = math.sqrt(2.0 * self._log_target / (self._variance * t * math.log1p(t)))
        gap = x - self.threshold
        self._log_low += math.log1p(min(bet, self._cap_low) * gap)
        self._log_high += math.log1p(-min(bet, self._cap_high) * gap)
        self._mean_sum += x
        mean = self._mean_sum / (t + 1)
        self._sq_sum += (x - mean) ** 2
        self._variance = self._sq_sum / (t + 1)
        if self.decided is None:
            if self._log_low >= self._log_target:
                self.decided, self.decided_at = "above", t
            elif self._log_high >= self._log_target:
                self.decided, self.decided_at = "below", t
        return self.decided


def _bets(values: npt.NDArray[np.float64], confidence: float) -> npt.NDArray[np.float64]:
    """The predictable plug-in bets l_t along the last axis (before any cap)."""
    t = np.arange(1, values.shape[-1] + 1, dtype=np.float64)
    means = (0.5 + np.cumsum(values, axis=-1)) / (t + 1)
    variances = (0.25 + np.cumsum((values - means) ** 2, axis=-1)) / (t + 1)
    previous = np.concatenate(
        (np.full((*values.shape[:-1], 1), 0.25), variances[..., :-1]), axis=-1
    )
    log_target = math.log(1.0 / (1.0 - confidence))
    return np.asarray(np.sqrt(2.0 * log_target / (previous * t * np.log1p(t))))


def first_crossings(
    values: npt.NDArray[np.float64], threshold: float, confidence: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For rows of observations (one sequence per row), when each side is first reached.

    Returns two integer arrays (one entry per row): the 1-based number of observations after
    which the sequence lay above, resp. below, the threshold, or 0 when it never did. The same
    arithmetic as :class:`BettingSequence`, vectorised for simulations.
    """
    _check(threshold, confidence)
    data = np.atleast_2d(np.asarray(values, dtype=np.float64))
    bets = _bets(data, confidence)
    gap = data - threshold
    log_target = math.log(1.0 / (1.0 - confidence))
    above = np.cumsum(np.log1p(np.minimum(bets, BET_CAP / threshold) * gap), axis=1)
    below = np.cumsum(np.log1p(-np.minimum(bets, BET_CAP / (1.0 - threshold)) * gap), axis=1)
    return _first(above >= log_target), _first(below >= log_target)


def _first(hits: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    found = hits.any(axis=1)
    return np.where(found, hits.argmax(axis=1) + 1, 0).astype(np.int64)


@dataclass(frozen=True, slots=True)
class SequenceBounds:
    """The running-intersection bounds after all observations (0 and 1 when none)."""

    low: float
    high: float
    count: int


def betting_bounds(
    values: npt.NDArray[np.float64], confidence: float, threshold: float | None = None
) -> SequenceBounds:
    """The one-sided bounds of the betting sequence after ``values``, on a grid of means.

    The grid has steps of 0.001 (and holds ``threshold`` exactly, so a decision at it shows in
    the bounds); each bound is rounded outwards to the grid, which keeps it valid.
    """
    data = np.asarray(values, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, _GRID)
    if threshold is not None:
        grid = np.unique(np.append(grid, threshold))
    if data.size == 0:
        return SequenceBounds(0.0, 1.0, 0)
    bets = _bets(data, confidence)
    log_target = math.log(1.0 / (1.0 - confidence))
    inner = grid[1:-1]  # m = 0 and m = 1 are never rejected on their own side
    low_caps, high_caps = BET_CAP / inner, BET_CAP / (1.0 - inner)
    log_low, log_high = np.zeros(inner.size), np.zeros(inner.size)
    rejected_low = np.zeros(inner.size, dtype=bool)
    rejected_high = np.zeros(inner.size, dtype=bool)
    for start in range(0, data.size, _ROWS):  # bounded memory: _ROWS x grid at a time
        rows = slice(start, start + _ROWS)
        gap = data[rows, None] - inner[None, :]
        bet = bets[rows, None]
        above = log_low + np.cumsum(np.log1p(np.minimum(bet, low_caps) * gap), axis=0)
        below = log_high + np.cumsum(np.log1p(-np.minimum(bet, high_caps) * gap), axis=0)
        rejected_low |= (above >= log_target).any(axis=0)
        rejected_high |= (below >= log_target).any(axis=0)
        log_low, log_high = above[-1], below[-1]
    low = float(inner[rejected_low].max()) if rejected_low.any() else 0.0
    high = float(inner[rejected_high].min()) if rejected_high.any() else 1.0
    return SequenceBounds(low, high, int(data.size))
