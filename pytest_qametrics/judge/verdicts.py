"""Verdicts and what they mean for the exit code; plain values, importable without numpy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_qametrics.choices import GATES, POLICIES, Gate, Policy
from pytest_qametrics.slo.spec import SloSpec

if TYPE_CHECKING:
    from pytest_qametrics.judge.regression import Regression
    from pytest_qametrics.judge.uncertainty import Budget

__all__ = ["GATES", "POLICIES", "Gate", "Outcome", "Policy", "Status", "Verdict", "gate_outcome"]

Status = Literal["pass", "fail", "warn", "no_data", "inconclusive", "skipped"]


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
    #: With ``confidence=``: the one-sided lower and upper bounds of the statistic.
    interval: tuple[float, float] | None = None
    #: Bad samples allowed by the threshold at this n, and how many there were.
    budget: Budget | None = None
    #: Samples that could decide an inconclusive or data-less SLO, when estimable.
    needed: int | None = None
    #: The slice of a ``per=`` SLO this verdict judges (``checkout``, a class label).
    part: str | None = None
    #: A regression key's comparison with its baseline (``observed`` is then the worsening).
    regression: Regression | None = None


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


def gate_outcome(
    verdicts: list[Verdict], no_data: Policy, inconclusive: Policy = "warn"
) -> Outcome:
    """Sort verdicts into failing and warning ones under the two policies."""
    policy = {"fail": "fail", "warn": "warn", "no_data": no_data, "inconclusive": inconclusive}
    failing = tuple(v for v in verdicts if policy.get(v.status) == "fail")
    warning = tuple(v for v in verdicts if policy.get(v.status) == "warn")
    return Outcome(failing, warning, len(verdicts))
