"""The statistics of the evals tracker: reliability over repeated trials, flaky cases, scores."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.columns import Label
from pytest_qametrics.slo.catalogue import SCORE_QUANTILES
from pytest_qametrics.stats.percentiles import PercentileMethod, percentiles
from pytest_qametrics.stats.reliability import (
    CaseCounts,
    case_counts,
    flaky_mask,
    per_case_values,
)
from pytest_qametrics.trackers.outcomes import ERRORED, SKIPPED

__all__ = ["EvalsStats", "FlakyCase", "summarize_evals"]


@dataclass(frozen=True, slots=True)
class FlakyCase:
    """A case that both passed and failed: how many of its trials passed."""

    case: str
    passed: int
    trials: int


@dataclass(frozen=True, slots=True)
class EvalsStats:
    """Counted trials per case, what was not counted, and the scores.

    Indexing by a statistic name gives its value, None when undefined (no trials, no case
    with ``k`` trials, no score); ``pass_at_k`` and ``pass_hat_k`` use ``k``.
    """

    counts: CaseCounts
    errors: int
    skipped: int
    scores: npt.NDArray[np.float64]
    k: int | None
    method: PercentileMethod
    #: The counted trials in arrival order: case codes (into ``counts``' source labels) and
    #: outcomes (1 passed, 0 failed), for the confidence sequences of early stopping.
    codes: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    outcomes: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def trials(self) -> int:
        """Counted trials (passed or failed)."""
        return self.counts.trials

    @property
    def passed(self) -> int:
        """Counted trials that passed."""
        return int(self.counts.c.sum())

    def cases_judged(self, statistic: str) -> int:
        """How many cases ``statistic`` averages over."""
        needed = self.k if statistic in ("pass_at_k", "pass_hat_k") and self.k else 1
        return int((self.counts.n >= needed).sum())

    def trials_judged(self, statistic: str) -> int:
        """How many samples ``statistic`` rests on: scored trials for a score, else the
        trials of the cases it averages over."""
        if statistic.startswith("score_"):
            return int(self.scores.size)
        needed = self.k if statistic in ("pass_at_k", "pass_hat_k") and self.k else 1
        return int(self.counts.n[self.counts.n >= needed].sum())

    def flaky(self) -> list[FlakyCase]:
        """The cases that both passed and failed, in first-seen order."""
        mask = flaky_mask(self.counts)
        return [
            FlakyCase(name, int(c), int(n))
            for name, c, n, hit in zip(
                self.counts.names, self.counts.c, self.counts.n, mask, strict=True
            )
            if hit
        ]

    def __getitem__(self, name: str) -> float | int | None:
        if name in ("pass_rate", "pass_at_k", "pass_hat_k"):
            if name != "pass_rate" and self.k is None:
                return None
            values = per_case_values(name, self.counts, self.k)
            return float(values.mean()) if values.size else None
        if name == "flaky_cases":
            return int(flaky_mask(self.counts).sum()) if self.trials else None
        if name == "score_mean":
            return math.fsum(self.scores.tolist()) / self.scores.size if self.scores.size else None
        if name in SCORE_QUANTILES:
            if not self.scores.size:
                return None
            return percentiles(self.scores, [SCORE_QUANTILES[name]], self.method)[0]
        counters = {"trials": self.trials, "passed": self.passed, "cases": len(self.counts.names)}
        if name in counters:
            return counters[name]
        if name in ("errors", "skipped"):
            return self.errors if name == "errors" else self.skipped
        raise KeyError(name)

    def details(self) -> dict[str, Any]:
        """What the report shows besides the statistics: counts and the flaky cases."""
        return {
            "cases": len(self.counts.names),
            "trials": self.trials,
            "passed": self.passed,
            "errors": self.errors,
            "skipped": self.skipped,
            "scored": int(self.scores.size),
            "flaky": [
                {"case": f.case, "passed": f.passed, "trials": f.trials} for f in self.flaky()
            ],
        }


def summarize_evals(
    columns: dict[str, npt.NDArray[Any]],
    labels: list[Label],
    k: int | None = None,
    method: PercentileMethod = "nearest-rank",
) -> EvalsStats:
    """Tally the trials of an evals pool: passes and fails count, errors and skips do not."""
    empty = np.empty(0, dtype=np.int64)
    codes = columns.get("case", empty).astype(np.int64)
    passed = columns.get("passed", empty).astype(np.int64)
    scores = columns.get("score", np.empty(0)).astype(np.float64)
    counted = passed >= 0
    names = [str(label) for label in labels]
    counts = case_counts(codes[counted], passed[counted], names)
    judged_scores = scores[counted]
    return EvalsStats(
        counts=counts,
        errors=int((passed == ERRORED).sum()),
        skipped=int((passed == SKIPPED).sum()),
        scores=judged_scores[~np.isnan(judged_scores)],
        k=k,
        method=method,
        codes=codes[counted],
        outcomes=passed[counted],
    )
