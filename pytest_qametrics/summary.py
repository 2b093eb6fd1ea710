"""Terminal lines that explain every SLO verdict, readable in a narrow CI log."""

from __future__ import annotations

from pytest_qametrics.catalogue import statistic_info
from pytest_qametrics.evaluation import Gate, Outcome, Verdict
from pytest_qametrics.slo import SloSpec

__all__ = ["format_value", "summary_lines"]

_LABELS = {
    "pass": "PASS",
    "fail": "FAIL",
    "warn": "WARN",
    "no_data": "NO DATA",
    "skipped": "SKIPPED",
}
_INDENT = " " * 9


def format_value(value: float, spec: SloSpec) -> str:
    """Format a statistic value in the unit people read it in (ms, s, %)."""
    info = statistic_info(spec.tracker, spec.statistic)
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


def _verdict_lines(verdict: Verdict) -> list[str]:
    spec = verdict.spec
    label = _LABELS[verdict.status]
    wanted = f"{spec.comparison} {format_value(spec.threshold, spec)}"
    head = f"{label:<8} {spec.scope}"
    name = f"{spec.target} {spec.statistic}"
    if verdict.observed is None:
        body = f"{name} {wanted}: {verdict.reason}"
    else:
        body = (
            f"{name} = {format_value(verdict.observed, spec)}, needs {wanted} "
            f"(n={verdict.n}, {verdict.source})"
        )
    if verdict.relative_error:
        body += f" [approximate: within {verdict.relative_error:.1%}]"
    if verdict.lost_from:
        body += f" [may lack samples from lost worker {', '.join(verdict.lost_from)}]"
    if spec.severity == "warn":
        body += " [severity=warn]"
    return [head, _INDENT + body]


def summary_lines(verdicts: list[Verdict], outcome: Outcome, gate: Gate) -> list[str]:
    """Return the lines of the qametrics terminal section, ending with a one-line total."""
    lines = [line for verdict in verdicts for line in _verdict_lines(verdict)]
    lines.append(_total(outcome, gate))
    return lines


def _total(outcome: Outcome, gate: Gate) -> str:
    if outcome.failing:
        text = f"qametrics: {len(outcome.failing)} of {outcome.total} SLOs failed"
        no_data = sum(1 for v in outcome.failing if v.status == "no_data")
        if no_data:
            text += f" ({no_data} for lack of data)"
    else:
        text = f"qametrics: all {outcome.total} SLOs met"
        if outcome.warning:
            text = f"qametrics: no SLO failed of {outcome.total}"
    if outcome.warning:
        text += f", {len(outcome.warning)} with a warning"
    if outcome.failing and gate == "warn":
        text += " (--qametrics-gate=warn: the exit code is unchanged)"
    return text
