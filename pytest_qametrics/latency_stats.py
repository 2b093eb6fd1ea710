"""Summary statistics of latency samples: counts, rates, moments and percentiles."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.catalogue import PERCENTILES
from pytest_qametrics.percentiles import PercentileMethod, percentiles

__all__ = ["LatencyStats", "summarize_latency"]


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

    def __getitem__(self, name: str) -> Any:
        """Allow ``stats["p95"]`` as well as ``stats.p95``."""
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as a plain dict."""
        return asdict(self)


def summarize_latency(
    ok: npt.NDArray[np.float64],
    fail: npt.NDArray[np.float64],
    errors: dict[str, int],
    method: PercentileMethod,
) -> LatencyStats:
    """Summarize successful and failed durations into one LatencyStats."""
    values = np.concatenate((ok, fail)) if fail.size else ok
    n = int(values.size)
    successes = int(ok.size)
    if n == 0:
        return LatencyStats(0, 0, 0, *([None] * 13), method=method, errors=dict(errors))
    p50, p75, p90, p95, p99, p999 = percentiles(values, list(PERCENTILES.values()), method)
    return LatencyStats(
        count=n,
        success_count=successes,
        failure_count=n - successes,
        success_rate=successes / n,
        error_rate=(n - successes) / n,
        mean=float(values.mean()),
        median=float(np.median(values)),
        min=float(values.min()),
        max=float(values.max()),
        stdev=float(values.std(ddof=1)) if n > 1 else 0.0,
        p50=p50,
        p75=p75,
        p90=p90,
        p95=p95,
        p99=p99,
        p999=p999,
        method=method,
        errors=dict(errors),
    )
