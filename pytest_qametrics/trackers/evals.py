"""The evals tracker: pass/fail outcomes (and optional scores) of trials of stochastic agents."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.trackers.accuracy import scalar_metadata

__all__ = ["EVALS_COLUMNS", "EvalsRecorder", "case_of_node"]

#: ``case`` codes into the series vocabulary; ``score`` is NaN when a trial gave none.
EVALS_COLUMNS = {"case": "q", "passed": "q", "score": "d"}
_REPEAT_SUFFIX = re.compile(r"([-\[])\d+-\d+\]$")


def case_of_node(nodeid: str) -> str:
    """The default case of a trial: its node id without a pytest-repeat ``-i-n`` suffix."""
    match = _REPEAT_SUFFIX.search(nodeid)
    if match is None:
        return nodeid
    head = nodeid[: match.start()]
    return head if match.group(1) == "[" else head + "]"


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
