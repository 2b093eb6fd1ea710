"""What each tracker's statistics are over a population: the numbers SLOs are judged on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.population import Population
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.digest import LatencyDigest
from pytest_qametrics.stats.percentiles import PercentileMethod
from pytest_qametrics.trackers.accuracy import AccuracyStats, summarize_accuracy
from pytest_qametrics.trackers.custom_metrics import summarize_metric
from pytest_qametrics.trackers.escalation import summarize_escalation
from pytest_qametrics.trackers.evals_stats import EvalsStats, summarize_evals

__all__ = [
    "FROM_CALLS",
    "FROM_SAMPLES",
    "ClassView",
    "EvalsView",
    "Observation",
    "class_view",
    "observe",
    "selection",
    "slice_names",
]

#: Where a latency SLO's samples came from.
FROM_SAMPLES = "latency samples"
FROM_CALLS = "call durations"


@dataclass(frozen=True, slots=True)
class Observation:
    """A tracker's statistics over one selection of a population."""

    stats: Any
    count: int
    source: str
    relative_error: float = 0.0
    #: The samples quantiles and means are taken over (latency, resolution times, metric
    #: values), when they are exact; None for rates-only trackers or folded series.
    values: npt.NDArray[np.float64] | None = None
    #: The folded histogram (with exact leftovers folded in) of a series past the exact cap.
    digest: LatencyDigest | None = None

    def value(self, statistic: str) -> float | None:
        """The statistic's value, or None when it is undefined (no samples)."""
        value = self.stats[statistic]
        return None if value is None else float(value)

    def samples_for(self, statistic: str) -> int:
        """How many samples the statistic rests on (resolution times may be fewer)."""
        if statistic.startswith("resolution_time_"):
            return int(self.stats["resolution_time_count"])
        return self.count


def selection(spec: SloSpec, part: str | None = None) -> tuple[str, str, str | None, str | None]:
    """The cache key of the samples a spec (or one slice of it) looks at."""
    if spec.k is not None:  # pass@k and pass^k of another k are other statistics
        return (spec.scope, spec.tracker, f"k={spec.k}", part)
    return (spec.scope, spec.tracker, spec.operation or spec.metric, part)


def slice_names(spec: SloSpec, population: Population, method: PercentileMethod) -> list[str]:
    """The slices a ``per=`` spec is judged on, in sorted order."""
    if spec.per == "class":
        whole = observe(replace(spec, per=None), population, method)
        return [str(label) for label in whole.stats.labels]
    if spec.per is None:
        return []
    return population.slices(spec.tracker, spec.per, spec.metric)


def observe(
    spec: SloSpec, population: Population, method: PercentileMethod, part: str | None = None
) -> Observation:
    """Compute the statistics of the samples ``spec`` (or its slice ``part``) selects."""
    operation = part if spec.per == "operation" else spec.operation
    tag = (spec.per, part) if spec.per not in (None, "operation", "class") and part else None
    if spec.tracker == "latency":
        samples = population.latency(operation, tag)
        source = FROM_SAMPLES
        fallback = operation is None and tag is None and len(population.call_durations)
        if samples.count == 0 and fallback:
            samples, source = population.call_duration_samples(), FROM_CALLS
        stats = samples.summarize(method)
        if samples.digest is not None:
            folded = samples.digest.copy()
            folded.add(samples.ok, samples.fail)
            return Observation(stats, stats.count, source, stats.relative_error, digest=folded)
        # the scope's samples were joined into arrays of their own: no second copy without failures
        values = np.concatenate((samples.ok, samples.fail)) if samples.fail.size else samples.ok
        return Observation(stats, stats.count, source, values=values)
    pool = population.column_pool(spec.tracker, spec.metric, tag)
    columns = pool.arrays()
    if spec.tracker == "accuracy":
        accuracy = summarize_accuracy(columns, pool.labels)
        if part is not None:
            return class_view(accuracy, part)
        return Observation(accuracy, accuracy.count, "classifications")
    if spec.tracker == "escalation":
        escalation = summarize_escalation(columns)
        times = columns.get("resolution_time", np.empty(0)).astype(np.float64)
        times = times[~np.isnan(times)]
        return Observation(escalation, escalation.count, "interactions", values=times)
    if spec.tracker == "evals":
        evals = summarize_evals(columns, pool.labels, spec.k, method)
        return EvalsView(evals, evals.trials, "trials", values=evals.scores)
    values = columns.get("value", np.empty(0)).astype(np.float64)
    metric = summarize_metric(values, method)
    return Observation(metric, metric.count, f"metric {spec.metric}", values=values)


@dataclass(frozen=True, slots=True)
class ClassView(Observation):
    """One label's precision, recall and F1: recall and accuracy rest on the label's support,
    precision on how often the label was predicted."""

    predicted: int = 0

    def samples_for(self, statistic: str) -> int:
        """Precision rests on the predictions of the label, the rest on its support."""
        return self.predicted if statistic == "precision" else self.count


def class_view(accuracy: AccuracyStats, label: str) -> ClassView:
    """The statistics of one label, as the observation of a ``per="class"`` slice."""
    position = [str(x) for x in accuracy.labels].index(label)
    matrix = accuracy.confusion_matrix
    hits = matrix[position][position]
    predicted = sum(row[position] for row in matrix)
    cls = accuracy.per_class[label]
    stats = {
        "accuracy": cls.recall,
        "recall": cls.recall,
        "precision": cls.precision,
        "f1": cls.f1,
        "hits": hits,
    }
    return ClassView(stats, cls.support, f"classifications of {label}", predicted=predicted)


@dataclass(frozen=True, slots=True)
class EvalsView(Observation):
    """The trials of an evals pool: a reliability statistic rests on the trials of the cases
    it averages over, a score statistic on the scored trials."""

    def samples_for(self, statistic: str) -> int:
        """Trials (or scored trials) the statistic rests on."""
        stats: EvalsStats = self.stats
        return stats.trials_judged(statistic)
