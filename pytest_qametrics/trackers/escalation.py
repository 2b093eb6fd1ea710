"""The escalation tracker: how support conversations end, why they escalate, how long they take."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.stats.percentiles import nearest_rank
from pytest_qametrics.stats.sums import exact_sum
from pytest_qametrics.trackers.accuracy import scalar_metadata

__all__ = [
    "ESCALATION_COLUMNS",
    "EscalationReason",
    "EscalationStats",
    "EscalationTracker",
    "ResolutionOutcome",
    "summarize_escalation",
]

ESCALATION_COLUMNS = {"outcome": "q", "reason": "q", "resolution_time": "d", "attempts": "q"}
_NO_REASON = -1


class ResolutionOutcome(str, Enum):
    """How an interaction ended."""

    RESOLVED_AUTOMATICALLY = "resolved_automatically"
    ESCALATED_TO_AGENT = "escalated_to_agent"
    ESCALATED_TO_SPECIALIST = "escalated_to_specialist"
    RESOLUTION_FAILED = "resolution_failed"
    CUSTOMER_HUNG_UP = "customer_hung_up"


class EscalationReason(str, Enum):
    """Why an interaction was escalated (or failed)."""

    COMPLEX_ISSUE = "complex_issue"
    CUSTOMER_UNSATISFIED = "customer_unsatisfied"
    TECHNICAL_LIMITATION = "technical_limitation"
    TIME_CONSTRAINT = "time_constraint"
    POLICY_VIOLATION = "policy_violation"
    UNKNOWN = "unknown"


_OUTCOMES = list(ResolutionOutcome)
_REASONS = list(EscalationReason)
_ESCALATED = (
    _OUTCOMES.index(ResolutionOutcome.ESCALATED_TO_AGENT),
    _OUTCOMES.index(ResolutionOutcome.ESCALATED_TO_SPECIALIST),
)
_AUTOMATIC = _OUTCOMES.index(ResolutionOutcome.RESOLVED_AUTOMATICALLY)


def _code(value: object, enum: type[Enum], members: list[Any], what: str) -> int:
    if isinstance(value, enum):
        return members.index(value)
    if isinstance(value, str):
        for position, member in enumerate(members):
            if member.value == value:
                return position
    choices = ", ".join(m.value for m in members)
    raise ValueError(f"{what} {value!r} is not one of: {choices}")


@dataclass(frozen=True, slots=True)
class EscalationStats:
    """Outcomes of interactions. Rates are over every recorded interaction.

    - ``escalation_rate``: escalated to an agent or a specialist / all;
    - ``automation_rate``: resolved automatically / all;
    - ``fcr_rate`` (first-contact resolution): resolved automatically on the first attempt / all;
    - ``resolution_time_*``: over the interactions that recorded a resolution time (seconds);
    - ``reason_breakdown``: each reason's share of the interactions that gave a reason.
    """

    count: int
    escalation_rate: float | None
    automation_rate: float | None
    fcr_rate: float | None
    mean_attempts: float | None
    resolution_time_count: int = 0
    resolution_time_mean: float | None = None
    resolution_time_median: float | None = None
    resolution_time_p95: float | None = None
    resolution_time_min: float | None = None
    resolution_time_max: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    outcome_distribution: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    reason_breakdown: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        """Allow ``stats["escalation_rate"]`` as well as ``stats.escalation_rate``."""
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as plain data."""
        return asdict(self)


class EscalationTracker:
    """Records how each support interaction of the current test ended."""

    def __init__(self, series: ColumnSeries) -> None:
        self._series = series

    def record(
        self,
        outcome: ResolutionOutcome | str,
        *,
        reason: EscalationReason | str | None = None,
        resolution_time: float | None = None,
        attempts: int = 1,
        interaction_id: str | None = None,
        customer_id: str | None = None,
        query: str | None = None,
        **metadata: Any,
    ) -> None:
        """Record one interaction; escalated ones are kept (a few) as report examples."""
        outcome_code = _code(outcome, ResolutionOutcome, _OUTCOMES, "outcome")
        reason_code = (
            _NO_REASON if reason is None else _code(reason, EscalationReason, _REASONS, "reason")
        )
        seconds = _resolution_time(resolution_time)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"attempts {attempts!r} must be an int >= 1")
        columns = self._series.columns
        columns["outcome"].append(outcome_code)
        columns["reason"].append(reason_code)
        columns["resolution_time"].append(seconds)
        columns["attempts"].append(attempts)
        if outcome_code != _AUTOMATIC:
            example = {
                "outcome": _OUTCOMES[outcome_code].value,
                "reason": None if reason is None else _REASONS[reason_code].value,
                "interaction_id": interaction_id,
                "customer_id": customer_id,
                "query": query,
            }
            self._series.keep_example(scalar_metadata({**example, **metadata}))

    def stats(self) -> EscalationStats:
        """Statistics of what this test recorded."""
        return summarize_escalation({n: np.asarray(v) for n, v in self._series.columns.items()})


def _resolution_time(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"resolution_time {value!r} must be seconds (a number) or None")
    seconds = float(value)
    if not 0.0 <= seconds < math.inf:
        raise ValueError(f"resolution_time {value!r} must be finite seconds >= 0")
    return seconds


def summarize_escalation(columns: dict[str, npt.NDArray[Any]]) -> EscalationStats:
    """Summarize coded interactions (``outcome``, ``reason``, ``resolution_time``, ``attempts``)."""
    outcome = columns.get("outcome", np.empty(0, dtype=np.int64)).astype(np.int64)
    n = int(outcome.size)
    if n == 0:
        return EscalationStats(0, None, None, None, None)
    reason = columns["reason"].astype(np.int64)
    attempts = columns["attempts"].astype(np.int64)
    times = columns["resolution_time"].astype(np.float64)
    times = times[~np.isnan(times)]
    outcome_counts = np.bincount(outcome, minlength=len(_OUTCOMES))
    given = reason[reason != _NO_REASON]
    reason_counts = np.bincount(given, minlength=len(_REASONS))
    automatic = outcome == _AUTOMATIC
    return EscalationStats(
        count=n,
        escalation_rate=float(np.isin(outcome, _ESCALATED).sum()) / n,
        automation_rate=float(automatic.sum()) / n,
        fcr_rate=float((automatic & (attempts == 1)).sum()) / n,
        mean_attempts=float(attempts.mean()),
        **_times(times),
        outcomes=_named(_OUTCOMES, outcome_counts, None),
        outcome_distribution=_named(_OUTCOMES, outcome_counts, n),
        reasons=_named(_REASONS, reason_counts, None),
        reason_breakdown=_named(_REASONS, reason_counts, int(given.size)),
    )


def _named(members: list[Any], counts: npt.NDArray[np.int64], per: int | None) -> dict[str, Any]:
    """Counts by member value (shares of ``per`` when given), leaving out zeros."""
    return {
        m.value: (int(c) if per is None else int(c) / per)
        for m, c in zip(members, counts, strict=True)
        if c
    }


def _times(times: npt.NDArray[np.float64]) -> dict[str, Any]:
    if times.size == 0:
        return {}
    ordered = np.sort(times)
    return {
        "resolution_time_count": int(times.size),
        "resolution_time_mean": exact_sum(ordered) / times.size,
        "resolution_time_median": float(np.median(times)),
        "resolution_time_p95": float(ordered[nearest_rank(0.95, times.size) - 1]),
        "resolution_time_min": float(ordered[0]),
        "resolution_time_max": float(ordered[-1]),
    }
