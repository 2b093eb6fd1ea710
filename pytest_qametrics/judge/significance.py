"""One-sided tests of "worse than the baseline": rates, means, percentiles, confusion matrices."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from pytest_qametrics.judge.baseline import Confusion, Histogram
from pytest_qametrics.judge.uncertainty import confusion_statistic
from pytest_qametrics.stats.intervals import DEFAULT_SEED
from pytest_qametrics.stats.loghist import RELATIVE_ERROR
from pytest_qametrics.stats.percentiles import nearest_rank

__all__ = [
    "DEFAULT_SIGNIFICANCE",
    "RESAMPLES",
    "Significance",
    "confusion_bootstrap",
    "quantile_bootstrap",
    "quantile_testable",
    "samples_for_quantile_test",
    "two_proportion",
    "welch_mean",
]

#: The confidence a regression must reach to fail when its SLO gives no ``confidence=``.
DEFAULT_SIGNIFICANCE = 0.95
#: Bootstrap resamples per test; with the fixed seed a rerun gives the same p-value.
RESAMPLES = 2000
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_CHUNK_CELLS = 4_000_000
#: Up to this many samples a resample draws each sample's bucket; above, one multinomial draw
#: over the buckets is cheaper (a few hundred occupied buckets at 0.5% width).
_DRAW_SAMPLES_UP_TO = 500


@dataclass(frozen=True, slots=True)
class Significance:
    """The one-sided p-value of "the statistic got worse", and how it was computed."""

    p_value: float
    method: str


def _upper_tail(z: float) -> float:
    return 1.0 - NormalDist().cdf(z)


def two_proportion(
    rate_now: float, n_now: int, rate_then: float, n_then: int, higher_is_worse: bool
) -> Significance:
    """Pooled two-proportion z-test of ``rate_now`` being worse than ``rate_then``.

    The counts are ``rate * n`` of each run. With both rates at 0 (or both at 1) there is no
    variance and no evidence of a change: p = 1.
    """
    pooled = (rate_now * n_now + rate_then * n_then) / (n_now + n_then)
    spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_now + 1.0 / n_then))
    worse = (rate_now - rate_then) if higher_is_worse else (rate_then - rate_now)
    if spread == 0.0:
        return Significance(1.0 if worse <= 0 else 0.0, "two-proportion z-test")
    return Significance(_upper_tail(worse / spread), "two-proportion z-test")


def welch_mean(
    now: tuple[int, float, float], then: tuple[int, float, float], higher_is_worse: bool
) -> Significance:
    """Welch's z-test of the mean getting worse; each side is (n, mean, sample variance)."""
    (n_now, mean_now, var_now), (n_then, mean_then, var_then) = now, then
    spread = math.sqrt(var_now / n_now + var_then / n_then)
    worse = (mean_now - mean_then) if higher_is_worse else (mean_then - mean_now)
    if spread == 0.0:
        return Significance(1.0 if worse <= 0 else 0.0, "Welch z-test of the means")
    return Significance(_upper_tail(worse / spread), "Welch z-test of the means")


def _support(hist: Histogram) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each occupied bucket's representative value (clamped to the exact extremes) and share."""
    occupied = np.flatnonzero(hist.counts)
    values = 2 * _GAMMA ** (hist.offset + occupied.astype(np.float64)) / (_GAMMA + 1)
    counts = hist.counts[occupied].astype(np.float64)
    if hist.zeros:
        values = np.concatenate(([0.0], values))
        counts = np.concatenate(([float(hist.zeros)], counts))
    if math.isfinite(hist.low) and math.isfinite(hist.high):
        values = np.clip(values, hist.low, hist.high)
    return values, counts / counts.sum()


def _quantile_replicates(
    hist: Histogram, q: float, resamples: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """The nearest-rank q-quantile of ``resamples`` multinomial resamples of the histogram."""
    values, shares = _support(hist)
    n = int(hist.zeros + hist.counts.sum())
    rank = nearest_rank(q, n)
    found = []
    if n <= _DRAW_SAMPLES_UP_TO:  # n bucket indices per resample: cheaper for few samples
        cumulative = np.cumsum(shares)
        rows = max(1, _CHUNK_CELLS // n)
        for done in range(0, resamples, rows):
            picks = rng.random((min(rows, resamples - done), n))
            buckets = np.minimum(np.searchsorted(cumulative, picks), values.size - 1)
            found.append(values[np.partition(buckets, rank - 1, axis=1)[:, rank - 1]])
        return np.concatenate(found)
    rows = max(1, _CHUNK_CELLS // max(values.size, 1))
    for done in range(0, resamples, rows):
        draws = rng.multinomial(n, shares, size=min(rows, resamples - done))
        position = (np.cumsum(draws, axis=1) >= rank).argmax(axis=1)
        found.append(values[position])
    return np.concatenate(found)


def _bootstrap_p(
    now: npt.NDArray[np.float64], then: npt.NDArray[np.float64], higher_is_worse: bool
) -> float:
    """Share of resampled differences that are *not* worse: the percentile-bootstrap p-value.

    Ties (both resamples in one bucket) count as not worse, which keeps the test conservative.
    """
    worse = now > then if higher_is_worse else now < then
    return float((1 + np.count_nonzero(~worse)) / (worse.size + 1))


def samples_for_quantile_test(q: float) -> int:
    """The fewest samples whose nearest-rank q-quantile is not their maximum.

    The bootstrap cannot judge a sample maximum (every resample's maximum is at most the
    observed one), so below this count a percentile regression is not tested.
    """
    n = 2
    while nearest_rank(q, n) == n:
        n = max(n + 1, math.floor(1 / (1 - q)) - 1)
    return n


def quantile_testable(q: float, n: int) -> bool:
    """Whether the q-quantile of n samples can be tested (it is not their maximum)."""
    return n >= 2 and nearest_rank(q, n) < n


def quantile_bootstrap(
    now: Histogram,
    then: Histogram,
    q: float,
    higher_is_worse: bool = True,
    resamples: int = RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Significance:
    """Bootstrap test of the q-quantile getting worse, from the two runs' histograms.

    Each resample draws every run's n samples anew from its bucket shares (one multinomial
    draw, so the cost grows with the occupied buckets, not with n) and takes its nearest-rank
    quantile; the p-value is the share of resampled differences that are not worse.
    """
    for hist in (now, then):
        if not quantile_testable(q, hist.count):
            raise ValueError(f"the {q} quantile of {hist.count} samples is their maximum")
    rng = np.random.default_rng(seed)
    now_q = _quantile_replicates(now, q, resamples, rng)
    then_q = _quantile_replicates(then, q, resamples, rng)
    return Significance(_bootstrap_p(now_q, then_q, higher_is_worse), "bootstrap of histograms")


def _confusion_replicates(
    confusion: Confusion,
    statistic: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
    resamples: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    cells = confusion.matrix.reshape(-1)
    total = int(cells.sum())
    draws = rng.multinomial(total, cells / total, size=resamples)
    return np.asarray(statistic(draws), dtype=np.float64)


def confusion_bootstrap(
    now: Confusion,
    then: Confusion,
    statistic: str,
    higher_is_worse: bool = False,
    resamples: int = RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Significance:
    """Bootstrap test of a confusion-matrix statistic (F1, balanced accuracy...) getting worse.

    Each run's matrix is resampled as one multinomial draw over its cells, as for the
    statistic's confidence interval.
    """
    rng = np.random.default_rng(seed)
    k_now, k_then = now.matrix.shape[0], then.matrix.shape[0]
    now_r = _confusion_replicates(now, confusion_statistic(statistic, k_now), resamples, rng)
    then_r = _confusion_replicates(then, confusion_statistic(statistic, k_then), resamples, rng)
    method = "bootstrap of confusion matrices"
    return Significance(_bootstrap_p(now_r, then_r, higher_is_worse), method)
