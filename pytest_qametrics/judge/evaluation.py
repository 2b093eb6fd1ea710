"""Judge each SLO over its population and decide what the verdicts mean for the exit code."""

from __future__ import annotations

from dataclasses import replace

from pytest_qametrics.judge.baseline import Baseline
from pytest_qametrics.judge.early import sequence_values, unsettled_reason
from pytest_qametrics.judge.observations import (
    EvalsView,
    Observation,
    observe,
    selection,
    slice_names,
)
from pytest_qametrics.judge.regression import judge_regression
from pytest_qametrics.judge.uncertainty import (
    assess_budget,
    confidence_interval,
    samples_needed,
)
from pytest_qametrics.judge.verdicts import (
    GATES,
    POLICIES,
    Gate,
    Outcome,
    Policy,
    Status,
    Verdict,
    gate_outcome,
)
from pytest_qametrics.samples.population import Population
from pytest_qametrics.slo.catalogue import regression_base
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.slo.thresholds import compare
from pytest_qametrics.stats.percentiles import PercentileMethod

__all__ = [
    "GATES",
    "MANY_SLICES",
    "POLICIES",
    "Gate",
    "Outcome",
    "Policy",
    "Status",
    "Verdict",
    "crowded_series",
    "crowded_slices",
    "evaluate",
    "gate_outcome",
]

#: Past this many slices a ``per=`` SLO is warned about: a tag with that many values is
#: usually an id (a request id, a timestamp), and every slice costs memory and report rows.
MANY_SLICES = 1000


def evaluate(
    specs: list[SloSpec],
    populations: dict[str, Population],
    method: PercentileMethod,
    baseline: Baseline | None = None,
) -> list[Verdict]:
    """Judge every spec (each slice of a ``per=`` spec) over the population of its scope.

    ``baseline`` is what ``<statistic>_regression`` keys compare with; None means no baseline
    was configured, which such keys report as ``no_data`` with how to record one.
    """
    cache: dict[tuple[str, str, str | None, str | None], Observation] = {}
    verdicts = []
    for spec in specs:
        population = populations.get(spec.scope, Population())
        parts: list[str | None] = [None]
        if spec.per is not None:
            parts = list(slice_names(spec, population, method))
            if not parts and not population.all_skipped:
                reason = f"no samples to slice per {spec.per}"
                verdicts.append(Verdict(spec, "no_data", None, 0, "-", reason))
                continue
            parts = parts or [None]
        for part in parts:
            key = selection(spec, part)
            if key not in cache:
                cache[key] = observe(spec, population, method, part)
            seen = cache[key]
            if regression_base(spec.statistic) is not None and not population.all_skipped:
                verdicts.append(_regression_verdict(spec, seen, baseline, part))
                continue
            verdicts.append(replace(_judge(spec, population, seen, method), part=part))
    return verdicts


def _judge(
    spec: SloSpec, population: Population, seen: Observation, method: PercentileMethod
) -> Verdict:
    if population.all_skipped:
        return Verdict(spec, "skipped", None, 0, "-", "every test of the group was skipped")
    n = seen.samples_for(spec.statistic)
    observed = seen.value(spec.statistic)
    budget = assess_budget(spec, seen, method) if observed is not None else None
    needed = samples_needed(spec, seen, spec.confidence) if spec.confidence else None
    if n < spec.min_samples or observed is None:
        want = f"at least {spec.min_samples}" if spec.min_samples > 1 else "some"
        reason = _too_few_trials(spec, seen) or f"{n} samples, needs {want}"
        return Verdict(spec, "no_data", None, n, seen.source, reason, needed=needed)
    verdict = Verdict(
        spec, "pass", observed, n, seen.source, "", seen.relative_error, budget=budget
    )
    if spec.statistic == "flaky_cases" and isinstance(seen, EvalsView):
        verdict = replace(verdict, reason=_flaky_list(seen))
    if spec.confidence is None:
        return _point_verdict(verdict, observed)
    interval = confidence_interval(spec, seen, spec.confidence)
    if interval is None:  # pragma: no cover - n > 0 always yields an interval
        return _point_verdict(verdict, observed)
    bounds = (interval.low, interval.high)
    status = _interval_status(spec, interval.low, interval.high)
    if status == "fail" and spec.severity == "warn":
        status = "warn"
    reason = "the interval straddles the threshold" if status == "inconclusive" else ""
    if status == "inconclusive" and spec.stop_early and isinstance(seen, EvalsView):
        stats = seen.stats
        observed_count = sequence_values(spec, stats.codes, stats.outcomes).size
        reason = unsettled_reason(spec, observed_count)
    return replace(verdict, status=status, interval=bounds, needed=needed, reason=reason)


def _flaky_list(seen: EvalsView, shown: int = 5) -> str:
    """``flaky: refund (3 of 4), hours (1 of 4)``: the first cases that passed and failed."""
    flaky = seen.stats.flaky()
    if not flaky:
        return ""
    named = ", ".join(f"{f.case} ({f.passed} of {f.trials})" for f in flaky[:shown])
    more = f" and {len(flaky) - shown} more" if len(flaky) > shown else ""
    return f"flaky: {named}{more}"


def _too_few_trials(spec: SloSpec, seen: Observation) -> str | None:
    """Why pass@k or pass^k has no value although trials ran: no case has k of them."""
    if not isinstance(seen, EvalsView) or spec.k is None or not seen.stats.trials:
        return None
    most = int(seen.stats.counts.n.max())
    return (
        f"no case has k={spec.k} trials (the most any case has is {most}); run each case at "
        f"least {spec.k} times: slo(trials={spec.k}), ini qametrics_trials, or pytest-repeat's "
        f"--count"
    )


def _regression_verdict(
    spec: SloSpec, seen: Observation, baseline: Baseline | None, part: str | None
) -> Verdict:
    statistic = regression_base(spec.statistic) or spec.statistic
    n = seen.samples_for(statistic)
    if n < spec.min_samples or seen.value(statistic) is None:
        want = f"at least {spec.min_samples}" if spec.min_samples > 1 else "some"
        reason = f"{n} samples, needs {want}"
        return Verdict(spec, "no_data", None, n, seen.source, reason, part=part)
    judged = judge_regression(spec, seen, baseline, part)
    return Verdict(
        spec,
        judged.status,
        judged.worsening,
        n,
        seen.source,
        judged.reason,
        seen.relative_error,
        part=part,
        regression=judged.regression,
    )


def _point_verdict(verdict: Verdict, observed: float) -> Verdict:
    spec = verdict.spec
    if compare(observed, spec.threshold_spec):
        return verdict
    return replace(verdict, status="warn" if spec.severity == "warn" else "fail")


def _interval_status(spec: SloSpec, low: float, high: float) -> Status:
    """Pass when the whole interval satisfies the threshold, fail when none of it does."""
    threshold = spec.threshold_spec
    if compare(low, threshold) and compare(high, threshold):
        return "pass"
    if not compare(low, threshold) and not compare(high, threshold):
        return "fail"
    return "inconclusive"


def crowded_series(
    population: Population, verdicts: list[Verdict], limit: int = MANY_SLICES
) -> list[str]:
    """A warning for each operation or tag with more than ``limit`` distinct values, whether
    or not an SLO slices by it (a ``per=`` SLO over it already has its own warning)."""
    sliced = {
        (v.spec.tracker, v.spec.per or "")
        for v in verdicts
        if v.part is not None and v.spec.per is not None
    }
    warnings = []
    for (tracker, tag), count in sorted(population.distinct_values().items()):
        if count <= limit or (tracker, tag) in sliced:
            continue
        what = "operations" if tag == "operation" else f"values of tag {tag!r}"
        if tracker == "metric":
            what = "metric names" if tag == "operation" else f"values of label {tag!r}"
        warnings.append(
            f"{tracker} recorded {count:,} distinct {what} (more than {limit:,}); each is a "
            "series of its own, kept in memory and in qametrics-data.json (100,000 took "
            "340 MB and a 13 MB artifact): an id belongs in an error message or example "
            "metadata, not in a tag"
        )
    return warnings


def crowded_slices(verdicts: list[Verdict], limit: int = MANY_SLICES) -> list[str]:
    """A warning for each ``per=`` SLO judged on more than ``limit`` slices."""
    counts: dict[SloSpec, int] = {}
    for verdict in verdicts:
        if verdict.part is not None:
            counts[verdict.spec] = counts.get(verdict.spec, 0) + 1
    return [
        f"{spec.scope}: {spec.statistic} per={spec.per!r} was judged on {count} slices (more "
        f"than {limit}); a tag with that many values is usually an id, which makes every "
        f"slice a sample or two: slice by a coarser tag"
        for spec, count in counts.items()
        if count > limit
    ]
