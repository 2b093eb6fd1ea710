"""Trials of the evals tracker that tests record by their outcome, and the case of a trial.

Light on purpose (no numpy): the recorder imports it for every process that runs tests.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pytest_qametrics.samples.itemstore import ItemStore

__all__ = [
    "ERRORED",
    "EVALS_COLUMNS",
    "SKIPPED",
    "TrialOutcome",
    "case_of_node",
    "count_outcome_trial",
    "trial_outcome",
]

TrialOutcome = Literal["passed", "failed", "errored", "skipped"]

#: ``case`` codes into the series vocabulary; ``score`` is NaN when a trial gave none.
EVALS_COLUMNS = {"case": "q", "passed": "q", "score": "d"}
#: ``passed`` of a trial whose test errored (setup or teardown) or was skipped: reported, never
#: counted as a failure (1 and 0 are a pass and a fail).
ERRORED = -1
SKIPPED = -2
#: A pytest-repeat ``-2-5`` or a qametrics ``-trial3`` id part, at the end of the brackets.
_TRIAL_SUFFIX = re.compile(r"([-\[])(?:\d+-\d+|trial\d+)\]$")


def case_of_node(nodeid: str) -> str:
    """The default case of a trial: its node id without a pytest-repeat ``-i-n`` or a
    ``trialN`` suffix, so the repeats of one parametrized case are trials of one case."""
    match = _TRIAL_SUFFIX.search(nodeid)
    if match is None:
        return nodeid
    head = nodeid[: match.start()]
    return head if match.group(1) == "[" else head + "]"


def trial_outcome(trial: TrialOutcome | None, when: str, outcome: str) -> TrialOutcome | None:
    """Fold one phase of a test into its trial's outcome: the call decides passed or failed;
    a failing setup or teardown is an error and a skip (or xfail) a skip, neither a failure."""
    if outcome == "failed" and when != "call":
        return "errored"
    if outcome == "skipped":
        return trial if trial == "errored" else "skipped"
    if when == "call":
        return "passed" if outcome == "passed" else "failed"
    return trial


_AS_PASSED = {"passed": 1, "failed": 0, "errored": ERRORED, "skipped": SKIPPED}


def count_outcome_trial(store: ItemStore, nodeid: str, trial: TrialOutcome | None) -> None:
    """Record a test's outcome as its trial, unless the test recorded trials itself."""
    existing = store.series.get(("evals", "default", ()))
    if existing is not None and len(existing):
        return
    series = store.columns("evals", "default", EVALS_COLUMNS)
    series.columns["case"].append(series.code(case_of_node(nodeid), "case"))
    series.columns["passed"].append(_AS_PASSED[trial or "errored"])
    series.columns["score"].append(math.nan)
