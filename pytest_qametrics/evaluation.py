"""Judge each SLO over its population and decide what the verdicts mean for the exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pytest_qametrics.observations import Observation, observe, selection
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
    cache: dict[tuple[str, str, str | None], Observation] = {}
    verdicts = []
    for spec in specs:
        population = populations.get(spec.scope, Population())
        key = selection(spec)
        if key not in cache:
            cache[key] = observe(spec, population, method)
        verdicts.append(_judge(spec, population, cache[key]))
    return verdicts


def _judge(spec: SloSpec, population: Population, seen: Observation) -> Verdict:
    if population.all_skipped:
        return Verdict(spec, "skipped", None, 0, "-", "every test of the group was skipped")
    n = seen.samples_for(spec.statistic)
    observed = seen.value(spec.statistic)
    if n < spec.min_samples or observed is None:
        need = f"at least {spec.min_samples}" if spec.min_samples > 1 else "some"
        return Verdict(spec, "no_data", None, n, seen.source, f"{n} samples, needs {need}")
    if compare(observed, spec.threshold_spec):
        status: Status = "pass"
    else:
        status = "warn" if spec.severity == "warn" else "fail"
    return Verdict(spec, status, observed, n, seen.source, relative_error=seen.relative_error)


def gate_outcome(verdicts: list[Verdict], no_data: Policy) -> Outcome:
    """Sort verdicts into failing and warning ones under the ``qametrics_no_data`` policy."""
    failing = tuple(
        v for v in verdicts if v.status == "fail" or (v.status == "no_data" and no_data == "fail")
    )
    warning = tuple(
        v for v in verdicts if v.status == "warn" or (v.status == "no_data" and no_data == "warn")
    )
    return Outcome(failing, warning, len(verdicts))
