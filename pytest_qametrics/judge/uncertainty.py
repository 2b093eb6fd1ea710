"""Confidence intervals, error budgets and sample-size guidance for one SLO's observation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pytest_qametrics.judge.early import sequence_values
from pytest_qametrics.judge.observations import ClassView, Observation
from pytest_qametrics.slo.catalogue import MEANS, QUANTILE_OF, RELIABILITY
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.intervals import (
    Interval,
    bootstrap_counts_interval,
    bootstrap_mean_interval,
    order_statistic_ranks,
    quantile_interval,
    samples_needed_for_quantile,
    samples_needed_for_rate,
    wilson_interval,
    z_for,
)
from pytest_qametrics.stats.loghist import RELATIVE_ERROR
from pytest_qametrics.stats.percentiles import PercentileMethod, nearest_rank
from pytest_qametrics.stats.reliability import cases_interval
from pytest_qametrics.stats.sequential import betting_bounds
from pytest_qametrics.trackers.evals_stats import EvalsStats

__all__ = [
    "Budget",
    "assess_budget",
    "confidence_interval",
    "confusion_statistic",
    "samples_needed",
]

#: Above this many samples a mean's interval uses the normal approximation, not the bootstrap.
BOOTSTRAP_MEAN_LIMIT = 2_000
_EPSILON = 1e-9
_QUANTILES = QUANTILE_OF
_MEANS = MEANS
#: statistic -> (stats field with the count of "bad" samples, or None for good ones, noun)
_RATES: dict[str, tuple[str, bool, str]] = {
    "success_rate": ("failure_count", False, "failed call|failed calls"),
    "error_rate": ("failure_count", True, "failed call|failed calls"),
    "accuracy": ("correct", False, "misclassification|misclassifications"),
    "escalation_rate": ("escalation_rate", True, "escalation|escalations"),
    "automation_rate": (
        "automation_rate",
        False,
        "interaction not automated|interactions not automated",
    ),
    "fcr_rate": (
        "fcr_rate",
        False,
        "interaction not resolved at first contact|interactions not resolved at first contact",
    ),
}


@dataclass(frozen=True, slots=True)
class Budget:
    """How many bad samples the threshold allows at this n, and how many there were."""

    allowed: int
    used: int
    #: ``singular|plural``, e.g. ``slow call|slow calls``.
    noun: str

    def describe(self) -> str:
        """E.g. ``7 slow calls, 15 allowed``."""
        singular, _, plural = self.noun.partition("|")
        noun = singular if self.used == 1 else plural or singular
        return f"{self.used} {noun}, {max(self.allowed, 0)} allowed"


def _bad_and_total(spec: SloSpec, seen: Observation) -> tuple[int, int]:
    """(count of bad samples, n) for a rate statistic."""
    if isinstance(seen, ClassView):
        n = seen.samples_for(spec.statistic)
        return n - int(seen.stats["hits"]), n
    field, bad_is_field, _ = _RATES[spec.statistic]
    n = seen.count
    raw = seen.stats[field]
    count = int(raw) if field in ("failure_count", "correct") else round(float(raw) * n)
    if field == "correct":
        return n - count, n
    if field == "failure_count":
        return count, n
    return (count, n) if bad_is_field else (n - count, n)


def assess_budget(
    spec: SloSpec, seen: Observation, method: PercentileMethod = "nearest-rank"
) -> Budget | None:
    """The error budget of a percentile or rate SLO with an upper-bounded bad count.

    A percentile's budget is exact only for nearest-rank percentiles: an interpolated (linear)
    percentile can exceed the threshold while no more samples than allowed do, so there is none.
    Resolution-time percentiles are always nearest-rank.
    """
    n = seen.samples_for(spec.statistic)
    if n == 0:
        return None
    if (
        spec.statistic in _QUANTILES
        and method != "nearest-rank"
        and not spec.statistic.startswith("resolution_time")
    ):
        return None
    if spec.statistic in _QUANTILES and seen.values is not None and spec.comparison in ("<=", "<"):
        above = (
            seen.values >= spec.threshold
            if spec.comparison == "<"
            else seen.values > spec.threshold
        )
        noun = (
            "slow call|slow calls"
            if spec.tracker == "latency"
            else "sample over the threshold|samples over the threshold"
        )
        if spec.statistic.startswith("resolution_time"):
            noun = "slow resolution|slow resolutions"
        return Budget(n - nearest_rank(_QUANTILES[spec.statistic], n), int(above.sum()), noun)
    if spec.statistic in _RATES or _per_class_rate(spec, seen):
        bad, n = _bad_and_total(spec, seen)
        noun = _RATES.get(spec.statistic, ("", False, "misclassification|misclassifications"))[2]
        return Budget(_allowed_bad(spec, n), bad, noun)
    return None


def _per_class_rate(spec: SloSpec, seen: Observation) -> bool:
    return isinstance(seen, ClassView) and spec.statistic in ("accuracy", "recall", "precision")


def _allowed_bad(spec: SloSpec, n: int) -> int:
    """Largest bad count that still satisfies the threshold at sample size n."""
    limit, op = spec.threshold, spec.comparison
    bad_is_measured = _RATES.get(spec.statistic, ("", False, ""))[1]
    if bad_is_measured:  # rate of bad samples, e.g. error_rate <= 0.01
        return (
            math.floor(limit * n + _EPSILON) if op == "<=" else math.ceil(limit * n - _EPSILON) - 1
        )
    good_needed = math.ceil(limit * n - _EPSILON) if op == ">=" else math.floor(limit * n) + 1
    return n - good_needed


def confidence_interval(spec: SloSpec, seen: Observation, confidence: float) -> Interval | None:
    """The interval of the SLO's statistic at one-sided level ``confidence`` per side."""
    name = spec.statistic
    if seen.samples_for(name) == 0:
        return None
    if name in RELIABILITY:
        stats: EvalsStats = seen.stats
        if spec.stop_early:  # judged as it was watched: anytime-valid bounds
            values = sequence_values(spec, stats.codes, stats.outcomes)
            bounds = betting_bounds(values, confidence, spec.threshold)
            return Interval(bounds.low, bounds.high, confidence, "betting sequence")
        return cases_interval(name, stats.counts, stats.k, confidence)
    if name in _QUANTILES:
        return _quantile(seen, _QUANTILES[name], confidence)
    if name in _MEANS:
        return _mean(seen, confidence)
    if _per_class_rate(spec, seen):
        bad, n = _bad_and_total(spec, seen)
        return wilson_interval(n - bad, n, confidence)
    if name in _RATES:
        bad, n = _bad_and_total(spec, seen)
        measured = bad if _RATES[name][1] else n - bad
        return wilson_interval(measured, n, confidence)
    return _confusion(name, np.asarray(seen.stats.confusion_matrix, dtype=np.int64), confidence)


def _quantile(seen: Observation, p: float, confidence: float) -> Interval:
    if seen.values is not None:
        return quantile_interval(np.sort(seen.values), p, confidence)
    digest = seen.digest
    if digest is None:  # pragma: no cover - observations carry one or the other
        raise ValueError("no samples to bound")
    low_rank, high_rank = order_statistic_ranks(digest.count, p, confidence)
    low = (
        digest.hist.value_at_rank(low_rank, digest.low, digest.high) if low_rank >= 1 else -math.inf
    )
    high = (
        digest.hist.value_at_rank(high_rank, digest.low, digest.high)
        if high_rank <= digest.count
        else math.inf
    )
    # A histogram reads each order statistic to within its relative error: widen by it, so
    # an interval from folded samples never claims more precision than they keep.
    error = seen.relative_error or RELATIVE_ERROR
    return Interval(low * (1 - error), high * (1 + error), confidence, "order-statistic")


def _mean(seen: Observation, confidence: float) -> Interval:
    if seen.values is not None and seen.values.size <= BOOTSTRAP_MEAN_LIMIT:
        return bootstrap_mean_interval(seen.values, confidence)
    if seen.values is not None:
        n, mean, sd = seen.values.size, float(seen.values.mean()), float(seen.values.std(ddof=1))
    else:
        digest = seen.digest
        if digest is None:  # pragma: no cover
            raise ValueError("no samples to bound")
        n, mean = digest.count, digest.total / digest.count
        sd = math.sqrt(max(digest.total_sq - n * mean * mean, 0.0) / max(n - 1, 1))
    half = z_for(confidence) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half, confidence, "normal")


def _confusion(name: str, matrix: npt.NDArray[np.int64], confidence: float) -> Interval:
    if name in ("min_class_recall", "min_class_precision"):
        return _worst_class(matrix, name == "min_class_recall", confidence)
    k = matrix.shape[0]
    return bootstrap_counts_interval(_averaged(name, k), matrix.reshape(-1), confidence)


def _worst_class(matrix: npt.NDArray[np.int64], recall: bool, confidence: float) -> Interval:
    """Bounds of the worst class: Bonferroni-corrected lower bounds, plain upper bounds."""
    hits = np.diag(matrix)
    totals = matrix.sum(axis=1) if recall else matrix.sum(axis=0)
    classes = [i for i in range(matrix.shape[0]) if totals[i] > 0]
    strict = 1 - (1 - confidence) / len(classes)
    low = min(wilson_interval(int(hits[i]), int(totals[i]), strict).low for i in classes)
    high = min(wilson_interval(int(hits[i]), int(totals[i]), confidence).high for i in classes)
    return Interval(low, high, confidence, "wilson")


def _averaged(name: str, k: int) -> Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]]:
    measure, _, average = name.partition("_")
    average = average or "macro"

    def statistic(block: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        cells = block.reshape(-1, k, k).astype(np.float64)
        hits = np.diagonal(cells, axis1=1, axis2=2)
        support, guessed = cells.sum(axis=2), cells.sum(axis=1)
        recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
        if name == "balanced_accuracy":
            present = support > 0
            return np.asarray((recall * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1))
        if average == "micro":
            return np.asarray(hits.sum(axis=1) / cells.sum(axis=(1, 2)))
        precision = np.divide(hits, guessed, out=np.zeros_like(hits), where=guessed > 0)
        both = precision + recall
        f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(hits), where=both > 0)
        per_class = {"precision": precision, "recall": recall, "f1": f1}[measure]
        if average == "weighted":
            return np.asarray((per_class * support).sum(axis=1) / support.sum(axis=1))
        return np.asarray(per_class.mean(axis=1))

    return statistic


def confusion_statistic(
    name: str, k: int
) -> Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]]:
    """A statistic of flattened k x k confusion matrices, one value per row of a block.

    Covers the averaged precision, recall and F1, balanced accuracy, and the worst class's
    recall or precision (over the classes that truly occur, or that were predicted).
    """
    if name not in ("min_class_recall", "min_class_precision"):
        return _averaged(name, k)
    recall = name == "min_class_recall"

    def worst(block: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        cells = block.reshape(-1, k, k).astype(np.float64)
        hits = np.diagonal(cells, axis1=1, axis2=2)
        totals = cells.sum(axis=2) if recall else cells.sum(axis=1)
        rates = np.divide(hits, totals, out=np.full_like(hits, np.inf), where=totals > 0)
        low = rates.min(axis=1)
        return np.asarray(np.where(np.isinf(low), 0.0, low))

    return worst


def samples_needed(spec: SloSpec, seen: Observation, confidence: float) -> int | None:
    """How many samples could decide the SLO at this confidence (None when not estimable)."""
    if spec.statistic in _QUANTILES and spec.comparison in ("<=", "<"):
        return samples_needed_for_quantile(_QUANTILES[spec.statistic], confidence)
    if (spec.statistic in _RATES or _per_class_rate(spec, seen)) and seen.count:
        observed = seen.value(spec.statistic)
        if observed is not None:
            return samples_needed_for_rate(observed, spec.threshold, confidence)
    return None
