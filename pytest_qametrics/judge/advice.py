"""Recommendations derived from SLO verdicts and the evidence around them (one run or a period).

Pure: the caller says what each SLO saw (its verdicts and observed values, oldest first) and what
the run recorded around it (the slowest operation, error messages, a confusion matrix); this
module says what to do about it. The single-run report and the weekly report both use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from pytest_qametrics.judge.baseline import Confusion
from pytest_qametrics.judge.regression import shown

__all__ = [
    "FLAKY_FLIPS",
    "INCONCLUSIVE_SHARE",
    "LOOSE_HEADROOM",
    "Advice",
    "Evidence",
    "SloRecord",
    "advise",
    "flips",
]

#: An SLO inconclusive in at least this share of its runs gets a sample-size recommendation.
INCONCLUSIVE_SHARE = 0.3
#: An SLO whose worst value kept at least this share of the room to its threshold is loose.
LOOSE_HEADROOM = 0.5
#: Pass/fail changes (on an unchanged threshold) that make an SLO flaky.
FLAKY_FLIPS = 2
_LOWER_IS_BETTER = ("<", "<=")
_TOP_ERRORS = 3


@dataclass(frozen=True, slots=True)
class SloRecord:
    """What one SLO (one statistic, comparison and threshold) saw, oldest run first."""

    label: str
    tracker: str
    statistic: str
    comparison: str
    threshold: float
    verdicts: tuple[str, ...]
    observed: tuple[float, ...] = ()
    #: the largest sample size an inconclusive verdict asked for, when known
    needed: int | None = None
    #: the sample size of the latest run
    n: int = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the run (the latest failing one) recorded around an SLO."""

    #: the slowest operation of the SLO's scope and its p95 in seconds
    slowest: tuple[str, float] | None = None
    #: error messages of the judged latency series with their counts
    errors: tuple[tuple[str, int], ...] = ()
    confusion: Confusion | None = None


@dataclass(frozen=True, slots=True)
class Advice:
    """One recommendation: its kind, the SLO it is about and what to do."""

    kind: str  # "sample_size" | "latency" | "accuracy" | "flaky" | "loose"
    slo: str
    text: str

    def as_dict(self) -> dict[str, str]:
        """The recommendation as a JSON-ready dict."""
        return {"kind": self.kind, "slo": self.slo, "text": self.text}


def flips(verdicts: Sequence[str]) -> int:
    """How often the verdict changed between pass and fail (other verdicts are skipped)."""
    decided = [v for v in verdicts if v in ("pass", "fail")]
    return sum(a != b for a, b in pairwise(decided))


def _show(record: SloRecord, value: float) -> str:
    return shown(value, record.tracker, record.statistic)


def _sample_size(record: SloRecord) -> Advice | None:
    runs = len(record.verdicts)
    inconclusive = record.verdicts.count("inconclusive")
    if not runs or inconclusive / runs < INCONCLUSIVE_SHARE:
        return None
    share = f"in {inconclusive} of {runs} runs" if runs > 1 else "in this run"
    if record.needed is not None and record.needed > record.n:
        todo = f"about {record.needed} samples would decide it (the latest run had {record.n})"
    else:
        todo = f"more samples than the latest run's {record.n} would decide it"
    return Advice("sample_size", record.label, f"inconclusive {share}: {todo}.")


def _latency(record: SloRecord, evidence: Evidence) -> Advice | None:
    if record.tracker != "latency" or "fail" not in record.verdicts:
        return None
    parts = []
    if evidence.slowest is not None:
        operation, p95 = evidence.slowest
        parts.append(f"the slowest operation is {operation} (p95 {shown(p95, 'latency', 'p95')})")
    if evidence.errors:
        top = sorted(evidence.errors, key=lambda item: (-item[1], item[0]))[:_TOP_ERRORS]
        parts.append("its top errors: " + "; ".join(f"{m} ({n}x)" for m, n in top))
    if not parts:
        return None
    return Advice("latency", record.label, f"failing: {', '.join(parts)}.")


def _accuracy(record: SloRecord, evidence: Evidence) -> Advice | None:
    confusion = evidence.confusion
    if record.tracker != "accuracy" or "fail" not in record.verdicts or confusion is None:
        return None
    matrix = np.asarray(confusion.matrix, dtype=np.int64)
    if matrix.size == 0 or matrix.sum() == 0:
        return None
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    parts = []
    if off.max() > 0:
        true, predicted = np.unravel_index(int(off.argmax()), off.shape)
        labels = confusion.labels
        parts.append(
            f"the most confused pair is {labels[true]} predicted as {labels[predicted]} "
            f"({int(off[true, predicted])}x)"
        )
    totals = matrix.sum(axis=1)
    recalls = [
        (float(matrix[i, i] / totals[i]), confusion.labels[i])
        for i in range(len(totals))
        if totals[i]
    ]
    if recalls:
        recall, label = min(recalls)
        parts.append(f"the worst class is {label} (recall {recall:.1%})")
    return Advice("accuracy", record.label, f"failing: {', '.join(parts)}.")


def _flaky(record: SloRecord) -> Advice | None:
    changed = flips(record.verdicts)
    if changed < FLAKY_FLIPS:
        return None
    return Advice(
        "flaky",
        record.label,
        f"flipped between pass and fail {changed} times on an unchanged threshold: give it "
        f"confidence=0.95 so a value near the threshold reads inconclusive, or more samples.",
    )


def _loose(record: SloRecord) -> Advice | None:
    values = [v for v in record.observed if math.isfinite(v)]
    if not values or set(record.verdicts) != {"pass"} or record.statistic.endswith("_regression"):
        return None
    threshold = record.threshold
    if record.comparison in _LOWER_IS_BETTER:
        worst = max(values)
        if threshold <= 0 or worst > (1 - LOOSE_HEADROOM) * threshold:
            return None
        suggestion = worst + (threshold - worst) / 2
    else:
        worst = min(values)
        ceiling = 1.0 if 0 <= threshold < 1 else 2 * threshold
        if worst - threshold < LOOSE_HEADROOM * (ceiling - threshold):
            return None
        suggestion = threshold + (worst - threshold) / 2
    runs = "its runs" if len(values) > 1 else "this run"
    return Advice(
        "loose",
        record.label,
        f"never came near its threshold {_show(record, threshold)} (worst of {runs}: "
        f"{_show(record, worst)}): it is loose; tighten it to about "
        f"{_show(record, suggestion)} so a regression shows.",
    )


def advise(items: Sequence[tuple[SloRecord, Evidence]]) -> list[Advice]:
    """Every recommendation for these SLOs, in their order."""
    found: list[Advice] = []
    for record, evidence in items:
        for advice in (
            _sample_size(record),
            _latency(record, evidence),
            _accuracy(record, evidence),
            _flaky(record),
            _loose(record),
        ):
            if advice is not None:
                found.append(advice)
    return found
