"""Judge each SLO over its population and decide what the verdicts mean for the exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pytest_qametrics.latency_stats import LatencyStats
from pytest_qametrics.percentiles import PercentileMethod
from pytest_qametrics.population import Population
from pytest_qametrics.slo import SloSpec
from pytest_qametrics.thresholds import compare

__all__ = [
    "GATES",
    "POLICIES",
    "Gate",
    "Outcome",
    "Policy",
    "Status",
    "Verdict",
    "evaluate",
    "gate_outcome",
]

Status = Literal["pass", "fail", "warn", "no_data", "skipped"]
Gate = Literal["enforce", "warn", "off"]
Policy = Literal["fail", "warn", "pass"]
GATES: tuple[Gate, ...] = ("enforce", "warn", "off")
POLICIES: tuple[Policy, ...] = ("fail", "warn", "pass")

#: Where a latency SLO's samples came from.
FROM_SAMPLES = "latency samples"
FROM_CALLS = "call durations"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one SLO: what was observed, on how many samples, and the status."""

    spec: SloSpec
    status: Status
    observed: float | None
    n: int
    source: str
    reason: str = ""
    #: 0.0 when exact; the relative error bound when the samples were folded into a histogram.
    relative_error: float = 0.0
    #: Workers lost during the run whose samples this SLO's population may lack.
    lost_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the verdicts mean for the run under the configured gate and policies."""

    failing: tuple[Verdict, ...]
    warning: tuple[Verdict, ...]
    total: int

    @property
    def breached(self) -> bool:
        """True when at least one verdict counts as a failure."""
        return bool(self.failing)


def evaluate(
    specs: list[SloSpec],
    populations: dict[str, Population],
    method: PercentileMethod,
) -> list[Verdict]:
    """Judge every spec over the population of its scope (missing scopes are empty)."""
    cache: dict[tuple[str, str | None], tuple[LatencyStats, str]] = {}
    verdicts = []
    for spec in specs:
        population = populations.get(spec.scope, Population())
        key = (spec.scope, spec.operation)
        if key not in cache:
            cache[key] = _latency_stats(population, spec.operation, method)
        verdicts.append(_judge(spec, population, *cache[key]))
    return verdicts


def _latency_stats(
    population: Population, operation: str | None, method: PercentileMethod
) -> tuple[LatencyStats, str]:
    samples = population.latency(operation)
    if samples.count == 0 and operation is None and len(population.call_durations):
        return population.call_duration_samples().summarize(method), FROM_CALLS
    return samples.summarize(method), FROM_SAMPLES


def _judge(spec: SloSpec, population: Population, stats: LatencyStats, source: str) -> Verdict:
    n = stats.count
    if population.all_skipped:
        return Verdict(spec, "skipped", None, 0, "-", "every test of the group was skipped")
    observed = stats[spec.statistic]
    if n < spec.min_samples or observed is None:
        need = f"at least {spec.min_samples}" if spec.min_samples > 1 else "some"
        return Verdict(spec, "no_data", None, n, source, f"{n} samples, needs {need}")
    if compare(float(observed), spec.threshold_spec):
        status: Status = "pass"
    else:
        status = "warn" if spec.severity == "warn" else "fail"
    return Verdict(spec, status, float(observed), n, source, relative_error=stats.relative_error)


def gate_outcome(verdicts: list[Verdict], no_data: Policy) -> Outcome:
    """Sort verdicts into failing and warning ones under the ``qametrics_no_data`` policy."""
    failing = tuple(
        v for v in verdicts if v.status == "fail" or (v.status == "no_data" and no_data == "fail")
    )
    warning = tuple(
        v for v in verdicts if v.status == "warn" or (v.status == "no_data" and no_data == "warn")
    )
    return Outcome(failing, warning, len(verdicts))
