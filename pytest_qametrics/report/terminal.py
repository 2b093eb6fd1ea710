"""Terminal lines that explain every SLO verdict, readable in a narrow CI log."""

from __future__ import annotations

import math
from collections import Counter

from pytest_qametrics.judge.evaluation import Gate, Outcome, Verdict
from pytest_qametrics.slo.catalogue import statistic_info
from pytest_qametrics.slo.spec import SloSpec

__all__ = ["format_value", "plural", "summary_lines"]

_LABELS = {
    "pass": "PASS",
    "fail": "FAIL",
    "warn": "WARN",
    "no_data": "NO DATA",
    "inconclusive": "UNSURE",
    "skipped": "SKIPPED",
}
_INDENT = " " * 9
_WORDS = {
    "pass": "met",
    "fail": "failed",
    "warn": "breached at severity=warn",
    "no_data": "without enough data",
    "inconclusive": "inconclusive",
    "skipped": "skipped",
}


def format_value(value: float, spec: SloSpec) -> str:
    """Format a statistic value in the unit people read it in (ms, s, %, pp)."""
    info = statistic_info(spec.tracker, spec.statistic)
    if info is not None and info.kind == "duration_change":
        return f"{value * 100:.4g}%" if spec.relative else _duration(value)
    if info is not None and info.kind == "rate_change":
        return f"{value * 100:.4g} pp"
    if info is not None and info.kind == "rate":
        return f"{value * 100:.4g}%"
    if info is not None and info.kind == "duration":
        return _duration(value)
    return f"{value:.6g}"


def _duration(seconds: float) -> str:
    if seconds == 0:
        return "0 s"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.4g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.4g} ms"
    return f"{seconds:.4g} s"


def _bound(value: float, spec: SloSpec) -> str:
    if value == math.inf:
        return "unbounded"
    if value == -math.inf:
        return "-unbounded"
    return format_value(value, spec)


def _details(verdict: Verdict) -> list[str]:
    spec = verdict.spec
    notes = []
    explained = spec.statistic == "flaky_cases" or (
        spec.stop_early and verdict.status == "inconclusive"
    )
    if verdict.regression is not None or (explained and verdict.reason):
        notes.append(verdict.reason)
    if verdict.interval is not None and spec.confidence is not None:
        low, high = (_bound(v, spec) for v in verdict.interval)
        notes.append(f"{spec.confidence:.0%} bounds [{low}, {high}]")
    if verdict.budget is not None and (verdict.budget.allowed > 0 or verdict.budget.used > 0):
        notes.append(f"budget: {verdict.budget.describe()}")
    if verdict.needed is not None and verdict.status in ("inconclusive", "no_data"):
        notes.append(f"about {verdict.needed} samples could decide it")
    elif verdict.needed is not None and spec.confidence and verdict.n < verdict.needed:
        notes.append(f"a pass needs at least {verdict.needed} samples")
    if verdict.relative_error:
        notes.append(f"approximate: within {verdict.relative_error:.1%}")
    if verdict.lost_from:
        notes.append(f"may lack samples from lost worker {', '.join(verdict.lost_from)}")
    if spec.severity == "warn":
        notes.append("severity=warn")
    return notes


def _verdict_lines(verdict: Verdict) -> list[str]:
    spec = verdict.spec
    label = _LABELS[verdict.status]
    wanted = f"{spec.comparison} {format_value(spec.threshold, spec)}"
    name = f"{spec.target} {spec.name}"
    if verdict.observed is None:
        body = f"{name} {wanted}: {verdict.reason}"
    elif verdict.regression is not None:
        size = format_value(abs(verdict.observed), spec)
        change = f"{size} {'worse' if verdict.observed > 0 else 'better'}"
        change = "unchanged" if verdict.observed == 0 else change
        body = f"{name} = {change}, needs {wanted} (n={verdict.n}, {verdict.source})"
    else:
        body = (
            f"{name} = {format_value(verdict.observed, spec)}, needs {wanted} "
            f"(n={verdict.n}, {verdict.source})"
        )
    where = f"{spec.scope} [{spec.per}={verdict.part}]" if verdict.part is not None else spec.scope
    lines = [f"{label:<8} {where}", _INDENT + body]
    details = _details(verdict)
    if details:
        lines.append(_INDENT + "; ".join(details))
    return lines


def summary_lines(verdicts: list[Verdict], outcome: Outcome, gate: Gate) -> list[str]:
    """Return the lines of the qametrics terminal section, ending with a one-line total."""
    lines = [line for verdict in verdicts for line in _verdict_lines(verdict)]
    lines.append(_total(verdicts, outcome, gate))
    return lines


def _total(verdicts: list[Verdict], outcome: Outcome, gate: Gate) -> str:
    total = outcome.total
    counts: Counter[str] = Counter(v.status for v in verdicts)
    if total == 0:
        return "qametrics: no SLO was judged"
    if not outcome.failing:
        if counts["pass"] == total:
            return (
                f"qametrics: all {total} SLOs met" if total > 1 else "qametrics: the 1 SLO was met"
            )
        parts = [f"{counts[s]} {_WORDS[s]}" for s in _WORDS if counts[s]]
        return f"qametrics: {plural(total, 'SLO')}: {', '.join(parts)}"
    failing: Counter[str] = Counter(v.status for v in outcome.failing)
    notes = [f"{failing[s]} of them {_WORDS[s]}" for s in _WORDS if s != "fail" and failing[s]]
    others = [s for s in _WORDS if s != "pass" and counts[s] > failing[s]]
    notes += [f"{counts[s] - failing[s]} more {_WORDS[s]}" for s in others]
    text = f"qametrics: {len(outcome.failing)} of {total} SLOs failed"
    if notes:
        text += f" ({'; '.join(notes)})"
    if gate == "warn":
        text += " (--qametrics-gate=warn: the exit code is unchanged)"
    return text


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 SLO``, ``2 SLOs`` (or the given plural)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
