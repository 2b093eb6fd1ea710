"""The evals tracker: pass/fail outcomes (and optional scores) of trials of stochastic agents."""

from __future__ import annotations

import math
import numbers
from typing import Any

from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.trackers.accuracy import scalar_metadata
from pytest_qametrics.trackers.outcomes import (
    ERRORED,
    EVALS_COLUMNS,
    SKIPPED,
    TrialOutcome,
    case_of_node,
    count_outcome_trial,
    trial_outcome,
)

__all__ = [
    "ERRORED",
    "EVALS_COLUMNS",
    "SKIPPED",
    "EvalsRecorder",
    "TrialOutcome",
    "case_of_node",
    "count_outcome_trial",
    "trial_outcome",
]


class EvalsRecorder:
    """Records the outcome of each trial of the current test."""

    def __init__(self, series: ColumnSeries, default_case: str) -> None:
        self._series = series
        self._default_case = default_case

    def record(
        self, passed: bool, score: float | None = None, case: str | None = None, **metadata: Any
    ) -> None:
        """Record one trial: whether it passed, an optional finite score, and its case."""
        if not isinstance(passed, bool):
            raise ValueError(
                f"evals.record(passed={passed!r}): passed must be True or False, "
                f"not {type(passed).__name__}"
            )
        if case is not None and not isinstance(case, str):
            raise ValueError(
                f"evals.record(case={case!r}): case must be a str naming the task, "
                f"not {type(case).__name__}"
            )
        value = _score(score)
        columns = self._series.columns
        columns["case"].append(self._series.code(case or self._default_case, "case"))
        columns["passed"].append(int(passed))
        columns["score"].append(value)
        if not passed and metadata:
            self._series.keep_example(scalar_metadata({"case": case, **metadata}))


def _score(score: object) -> float:
    if score is None:
        return math.nan
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise ValueError(f"evals.record(score={score!r}): score must be a number or None")
    value = float(score)
    if not math.isfinite(value):
        raise ValueError(f"evals.record(score={score!r}): score must be finite")
    return value
