"""Summary statistics of latency samples: counts, rates, moments and percentiles."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.slo.catalogue import PERCENTILES
from pytest_qametrics.stats.digest import LatencyDigest
from pytest_qametrics.stats.loghist import RELATIVE_ERROR
from pytest_qametrics.stats.percentiles import PercentileMethod, sorted_percentiles

__all__ = ["LatencyStats", "summarize_digest", "summarize_latency"]


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Statistics of every recorded duration, successful or not, in seconds.

    Durations of failed calls count in the percentiles and moments, as a client would have
    waited for them; ``success_rate`` and ``error_rate`` say how many failed. ``median`` is the
    conventional median (the mean of the two middle samples for an even count), ``p50`` follows
    the percentile ``method``. Every duration statistic is None when no sample was recorded.
    """

    count: int
    success_count: int
    failure_count: int
    success_rate: float | None
    error_rate: float | None
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    stdev: float | None
    p50: float | None
    p75: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    p999: float | None
    method: PercentileMethod = "nearest-rank"
    errors: dict[str, int] = field(default_factory=dict)
    #: 0.0 for exact statistics; the relative error bound of the percentiles and the median
    #: once the series held more samples than the exact cap (count, mean, min, max stay exact).
    relative_error: float = 0.0

    def __getitem__(self, name: str) -> Any:
        """Allow ``stats["p95"]`` as well as ``stats.p95``."""
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as a plain dict."""
        return asdict(self)


def _stats(
    n: int,
    successes: int,
    moments: tuple[float, float],
    extremes: tuple[float, float, float],
    quantiles: list[float],
    method: PercentileMethod,
    errors: dict[str, int],
    relative_error: float = 0.0,
) -> LatencyStats:
    """Assemble a LatencyStats: ``moments`` is (mean, stdev), ``extremes`` (median, min, max)."""
    mean, stdev = moments
    median, low, high = extremes
    p50, p75, p90, p95, p99, p999 = quantiles
    return LatencyStats(
        count=n,
        success_count=successes,
        failure_count=n - successes,
        success_rate=successes / n,
        error_rate=(n - successes) / n,
        mean=mean,
        median=median,
        min=low,
        max=high,
        stdev=stdev,
        p50=p50,
        p75=p75,
        p90=p90,
        p95=p95,
        p99=p99,
        p999=p999,
        method=method,
        errors=dict(errors),
        relative_error=relative_error,
    )


def summarize_latency(
    ok: npt.NDArray[np.float64],
    fail: npt.NDArray[np.float64],
    errors: dict[str, int],
    method: PercentileMethod,
) -> LatencyStats:
    """Summarize successful and failed durations into one LatencyStats."""
    n = int(ok.size + fail.size)
    if n == 0:
        return _empty_stats(method, errors)
    # One sort: every statistic below is read from the sorted samples, so the order in which
    # they arrived (xdist workers, CI shards) cannot change a single bit of the result.
    if fail.size:
        ordered = np.concatenate((ok, fail))
        ordered.sort()  # the concatenation is a copy of our own: sorted in place
    else:
        ordered = np.sort(ok)
    quantiles = sorted_percentiles(ordered, list(PERCENTILES.values()), method)
    with np.errstate(over="ignore", invalid="ignore"):  # near 1e308 the moments are inf
        mean = float(ordered.sum()) / n
        stdev = math.sqrt(_squared_deviations(ordered, mean) / (n - 1)) if n > 1 else 0.0
    low, high = float(ordered[(n - 1) // 2]), float(ordered[n // 2])
    median = (low + high) / 2
    if math.isinf(median):  # two halves near the float limit: halve first
        median = low / 2 + high / 2
    extremes = (median, float(ordered[0]), float(ordered[-1]))
    return _stats(n, int(ok.size), (mean, stdev), extremes, quantiles, method, errors)


def _squared_deviations(ordered: npt.NDArray[np.float64], mean: float) -> float:
    """Sum of (x - mean)**2 with one temporary array (squared in place: the same sum)."""
    deviations = ordered - mean
    np.square(deviations, out=deviations)
    return float(deviations.sum())


def summarize_digest(
    digest: LatencyDigest,
    ok: npt.NDArray[np.float64],
    fail: npt.NDArray[np.float64],
    errors: dict[str, int],
    method: PercentileMethod,
) -> LatencyStats:
    """Summarize a folded series plus exact leftovers; quantiles carry RELATIVE_ERROR."""
    folded = digest.copy()
    folded.add(ok, fail)
    n = folded.count
    if n == 0:
        return summarize_latency(ok, fail, errors, method)
    mean = folded.total / n
    variance = max(folded.total_sq - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    quantiles = [folded.hist.quantile(p, folded.low, folded.high) for p in PERCENTILES.values()]
    extremes = (quantiles[0], folded.low, folded.high)
    moments = (mean, variance**0.5)
    return _stats(n, folded.n_ok, moments, extremes, quantiles, method, errors, RELATIVE_ERROR)


def _empty_stats(method: PercentileMethod, errors: dict[str, int]) -> LatencyStats:
    none: dict[str, Any] = dict.fromkeys(("mean", "median", "min", "max", "stdev", *PERCENTILES))
    return LatencyStats(
        count=0,
        success_count=0,
        failure_count=0,
        success_rate=None,
        error_rate=None,
        method=method,
        errors=dict(errors),
        **none,
    )
