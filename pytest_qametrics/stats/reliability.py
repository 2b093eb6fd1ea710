"""Reliability over repeated trials: per-case pass@k and pass^k, pass rates and flaky cases.

A case ran ``n`` counted trials and ``c`` of them passed. The unbiased per-case estimators
(Chen et al. 2021 for pass@k; tau-bench's pass^k) are

- pass@k = 1 - C(n - c, k) / C(n, k): the chance that at least one of k trials passes;
- pass^k = C(c, k) / C(n, k): the chance that all k trials pass;

each averaged over the cases, so every case weighs the same however many trials it ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pytest_qametrics.stats.intervals import DEFAULT_SEED, Interval

Counts = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

__all__ = [
    "CaseCounts",
    "case_counts",
    "case_value",
    "cases_interval",
    "flaky_mask",
    "pass_at_k",
    "pass_hat_k",
    "per_case_values",
]


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Counted trials ``n`` and passes ``c`` per case, in first-seen order of the cases."""

    names: tuple[str, ...]
    n: Counts
    c: Counts

    @property
    def trials(self) -> int:
        """Every counted trial of every case."""
        return int(self.n.sum())


def case_counts(codes: Counts, passed: Counts, labels: list[str]) -> CaseCounts:
    """Tally trials per case from one row per trial (``codes`` index into ``labels``)."""
    if codes.size != passed.size:
        raise ValueError(f"{codes.size} case codes but {passed.size} outcomes")
    order = list(dict.fromkeys(codes.tolist()))
    position = np.full(len(labels), -1, dtype=np.int64)
    position[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    index = position[codes] if codes.size else np.empty(0, dtype=np.int64)
    n = np.bincount(index, minlength=len(order)).astype(np.int64)
    c = np.bincount(index, weights=(passed != 0), minlength=len(order)).astype(np.int64)
    return CaseCounts(tuple(str(labels[i]) for i in order), n, c)


def _comb_ratio(top: Counts, n: Counts, k: int) -> Floats:
    """C(top, k) / C(n, k) for top <= n, as the product of (top - i) / (n - i) over i < k."""
    ratio = np.ones(top.shape, dtype=np.float64)
    for i in range(k):
        ratio *= np.clip(top - i, 0, None) / (n - i)
    return ratio


def _check_k(k: int, n: Counts) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, not {k!r}")
    if n.size and int(n.min()) < k:
        raise ValueError(f"every case needs at least k={k} trials; one has {int(n.min())}")


def pass_at_k(n: Counts, c: Counts, k: int) -> Floats:
    """Per-case unbiased pass@k: 1 - C(n - c, k) / C(n, k)."""
    _check_k(k, n)
    return 1.0 - _comb_ratio(n - c, n, k)


def pass_hat_k(n: Counts, c: Counts, k: int) -> Floats:
    """Per-case unbiased pass^k: C(c, k) / C(n, k)."""
    _check_k(k, n)
    return _comb_ratio(c, n, k)


def per_case_values(statistic: str, counts: CaseCounts, k: int | None) -> Floats:
    """One value in [0, 1] per case that has enough trials: its pass fraction, pass@k or pass^k.

    Cases with no counted trial (or fewer than ``k``) give no value.
    """
    if statistic == "pass_rate":
        keep = counts.n > 0
        return counts.c[keep] / counts.n[keep]
    if k is None:
        raise ValueError(f"{statistic} needs k")
    keep = counts.n >= k
    estimator = pass_at_k if statistic == "pass_at_k" else pass_hat_k
    return estimator(counts.n[keep], counts.c[keep], k)


def case_value(statistic: str, n: int, c: int, k: int | None) -> float | None:
    """One case's pass fraction, pass@k or pass^k (None without enough trials): the scalar
    form of :func:`per_case_values`, for the per-trial path of early stopping."""
    if statistic == "pass_rate":
        return c / n if n > 0 else None
    if k is None or n < k:
        return None
    if statistic == "pass_at_k":
        return 1.0 - math.comb(n - c, k) / math.comb(n, k)
    return math.comb(c, k) / math.comb(n, k)


def flaky_mask(counts: CaseCounts) -> npt.NDArray[np.bool_]:
    """The cases that both passed and failed at least once."""
    return (counts.c > 0) & (counts.c < counts.n)


#: Resampled suites per interval; cases x resamples values are drawn in blocks of this many.
RESAMPLES = 2000
_BLOCK_VALUES = 4_000_000


def cases_interval(
    statistic: str,
    counts: CaseCounts,
    k: int | None,
    confidence: float,
    resamples: int = RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Interval:
    """Bootstrap bounds of the per-case average of ``statistic`` (at one-sided ``confidence``).

    The hull of two percentile bootstraps over the cases (each resample draws the cases with
    replacement; a fixed seed makes the bounds a function of the data):

    - the cases' estimates as observed, spread by sqrt(m / (m - 1)) for m cases (the
      bootstrap's small-sample variance bias): right when there are many cases;
    - each drawn case's value at a pass rate drawn from its Jeffreys posterior
      Beta(c + 1/2, n - c + 1/2) (see :func:`_posterior` for cases that always or never
      passed): right when there are few, since a case that passed all of its 8 trials still
      carries the doubt that 8 trials leave (a 95% lower bound of 0.05^(1/8) = 0.69).
    """
    keep = counts.n >= (k or 1) if statistic != "pass_rate" else counts.n > 0
    n, c = counts.n[keep], counts.c[keep]
    if n.size == 0:
        raise ValueError(f"no case has enough trials for {statistic}")
    rng = np.random.default_rng(seed)
    observed_values = _block_values(statistic, n[None, :], c[None, :], k)[0]
    observed = float(observed_values.mean())
    rows = max(1, min(resamples, _BLOCK_VALUES // n.size))
    cases, posterior = [], []
    for start in range(0, resamples, rows):
        picked = rng.integers(0, n.size, size=(min(rows, resamples - start), n.size))
        cases.append(observed_values[picked].mean(axis=1))
        rate = rng.beta(*_posterior(n[picked], c[picked]))
        posterior.append(_value_at_rate(statistic, rate, k).mean(axis=1))
    spread = math.sqrt(n.size / (n.size - 1)) if n.size > 1 else 1.0
    levels = [1.0 - confidence, confidence]
    by_cases = observed + (np.quantile(np.concatenate(cases), levels) - observed) * spread
    by_posterior = np.quantile(np.concatenate(posterior), levels)
    low = min(float(by_cases[0]), float(by_posterior[0]))
    high = max(float(by_cases[1]), float(by_posterior[1]))
    return Interval(max(low, 0.0), min(high, 1.0), confidence, "case bootstrap")


def _posterior(n: Counts, c: Counts) -> tuple[Floats, Floats]:
    """Jeffreys' Beta(c + 1/2, n - c + 1/2), with Beta(n, 1) for a case that always passed and
    Beta(1, n) for one that never did: their alpha-quantile is then the exact (Clopper-Pearson)
    bound alpha^(1/n), where Jeffreys' own is too tight (Brown, Cai and DasGupta 2001)."""
    a = np.where(c == n, n, np.where(c == 0, 1, c + 0.5)).astype(np.float64)
    b = np.where(c == 0, n, np.where(c == n, 1, n - c + 0.5)).astype(np.float64)
    return a, b


def _value_at_rate(statistic: str, rate: Floats, k: int | None) -> Floats:
    """A case's pass rate, pass@k or pass^k when each trial passes with chance ``rate``."""
    if statistic == "pass_rate":
        return rate
    if k is None:
        raise ValueError(f"{statistic} needs k")
    if statistic == "pass_at_k":
        return np.asarray(1.0 - (1.0 - rate) ** k)
    return np.asarray(rate**k)


def _block_values(statistic: str, n: Counts, c: Counts, k: int | None) -> Floats:
    if statistic == "pass_rate":
        return np.asarray(c / n, dtype=np.float64)
    if k is None:
        raise ValueError(f"{statistic} needs k")
    if statistic == "pass_at_k":
        return 1.0 - _comb_ratio(n - c, n, k)
    return _comb_ratio(c, n, k)
