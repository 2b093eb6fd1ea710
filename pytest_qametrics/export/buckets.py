"""Fixed latency histogram buckets for Prometheus, filled exactly from the pooled samples."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.population import LatencySamples
from pytest_qametrics.stats.loghist import RELATIVE_ERROR

__all__ = ["BOUNDS", "BUCKET_ERROR", "FOLDED_ERROR", "Buckets", "latency_buckets"]

#: Renard's R10 series: ten steps per decade, each about 1.26 times the previous one.
_R10 = (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0)
#: The upper bounds (``le``) of every latency histogram, in seconds: R10 from 100 us to 100 s.
#: Every series of ``qametrics_latency_seconds`` has the same bounds, so ``sum by (le)`` works.
BOUNDS: tuple[float, ...] = (
    *(float(f"{m}e{e}") for e in range(-4, 2) for m in _R10),
    100.0,
)
#: The widest bucket's upper bound over its lower bound, minus one (1.6 / 1.25 - 1 = 0.28).
#: ``histogram_quantile`` interpolates inside the bucket that holds the true nearest-rank
#: sample, so between 100 us and 100 s its answer is within this fraction of our exact
#: percentile; at or below 100 us it is within 100 us; above 100 s it says only "100 s".
BUCKET_ERROR = max(high / low - 1 for low, high in itertools.pairwise(BOUNDS)) + 1e-12
#: Past the exact cap a series is a log histogram: a folded sample within this fraction of a
#: bound may be counted in the neighbouring bucket (its representative value decides).
FOLDED_ERROR = RELATIVE_ERROR
_EDGES = np.array(BOUNDS, dtype=np.float64)
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)


@dataclass(frozen=True, slots=True)
class Buckets:
    """A cumulative histogram: ``counts[i]`` samples are ``<= BOUNDS[i]``; ``count`` in all."""

    counts: tuple[int, ...]
    count: int
    total: float

    def pairs(self) -> list[tuple[str, float]]:
        """``(le, cumulative count)`` pairs ending with ``+Inf``, as prometheus_client wants."""
        finite = [(repr(bound), float(c)) for bound, c in zip(BOUNDS, self.counts, strict=True)]
        return [*finite, ("+Inf", float(self.count))]


def _per_bucket(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    # side="left": the first bound >= the value, so a sample equal to a bound is "<=" it
    index = np.searchsorted(_EDGES, values, side="left")
    counts = np.bincount(index, weights=weights, minlength=_EDGES.size + 1)
    return np.asarray(counts, dtype=np.float64)


def latency_buckets(samples: LatencySamples) -> Buckets:
    """Count every exact sample, and every folded one at its bucket's representative value."""
    exact = np.concatenate([samples.ok, samples.fail])
    counts = _per_bucket(exact, np.ones(exact.size))
    total = float(exact.sum())
    digest = samples.digest
    if digest is not None and digest.count:
        hist = digest.hist
        keys = np.arange(hist.offset, hist.offset + hist.counts.size, dtype=np.float64)
        values = np.clip(2 * _GAMMA**keys / (_GAMMA + 1), digest.low, digest.high)
        counts += _per_bucket(values, hist.counts.astype(np.float64))
        counts[0] += hist.zeros
        total += digest.total
    cumulative = np.cumsum(np.rint(counts).astype(np.int64))
    return Buckets(tuple(int(c) for c in cumulative[:-1]), int(cumulative[-1]), total)
