"""A latency distribution in a few hundred bytes: a log-binned histogram and points of its CDF."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.population import LatencySamples
from pytest_qametrics.stats.loghist import RELATIVE_ERROR

__all__ = ["BINS", "CDF_LEVELS", "distribution"]

#: Histogram bins, equally wide on a log scale between the smallest and largest positive sample.
BINS = 40
#: The cumulative fractions at which the CDF is sampled (nearest rank: each value was observed).
CDF_LEVELS: tuple[float, ...] = tuple(sorted({i / 50 for i in range(51)} | {0.99, 0.995, 0.999}))
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)

Floats = npt.NDArray[np.float64]


def _weighted(samples: LatencySamples) -> tuple[Floats, Floats]:
    """Every sample with weight 1, plus each folded histogram bucket at its value."""
    values = [samples.ok, samples.fail]
    weights = [np.ones(samples.ok.size), np.ones(samples.fail.size)]
    digest = samples.digest
    if digest is not None:
        hist = digest.hist
        keys = np.arange(hist.offset, hist.offset + hist.counts.size, dtype=np.float64)
        used = hist.counts > 0
        centres = np.clip(2 * _GAMMA ** keys[used] / (_GAMMA + 1), digest.low, digest.high)
        values += [centres, np.zeros(1)]
        weights += [hist.counts[used].astype(np.float64), np.array([float(hist.zeros)])]
    return np.concatenate(values), np.concatenate(weights)


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _cdf(values: Floats, weights: Floats) -> list[list[float]]:
    order = np.argsort(values, kind="stable")
    ordered, cumulative = values[order], np.cumsum(weights[order])
    total = float(cumulative[-1])
    ranks = [max(1.0, math.ceil(level * total - 1e-9)) for level in CDF_LEVELS]
    index = np.minimum(np.searchsorted(cumulative, ranks), ordered.size - 1)
    return [[_round(float(ordered[i])), level] for i, level in zip(index, CDF_LEVELS, strict=True)]


def distribution(samples: LatencySamples) -> dict[str, Any] | None:
    """The histogram (``low``, ``high``, ``counts``, ``failed``, ``zeros``) and CDF, or None.

    Bin ``i`` spans ``low * (high / low) ** (i / BINS)`` to the next edge; samples of exactly 0
    are counted in ``zeros``, not in a bin. Failed calls are counted in ``counts`` and again in
    ``failed``. Folded (past the exact cap) samples sit at their bucket's value.
    """
    values, weights = _weighted(samples)
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if values.size == 0:
        return None
    positive = values[values > 0]
    zeros = int(weights[values <= 0].sum())
    low = float(positive.min()) if positive.size else 0.0
    high = float(positive.max()) if positive.size else 0.0
    if low == high and low > 0:
        low, high = low / 1.25, high * 1.25
    counts: list[int] = [0] * BINS
    failed: list[int] = [0] * BINS
    if positive.size:
        edges = np.geomspace(low, high, BINS + 1)
        weighted = np.histogram(positive, edges, weights=weights[values > 0])[0]
        counts = [int(c) for c in weighted.round()]
        failed = [int(c) for c in np.histogram(samples.fail[samples.fail > 0], edges)[0]]
    return {
        "histogram": {
            "scale": "log",
            "low": low,
            "high": high,
            "counts": counts,
            "failed": failed,
            "zeros": zeros,
        },
        "cdf": _cdf(values, weights),
    }
