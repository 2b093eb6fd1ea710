"""Numbers of the report model in the words people read them in: ms, %, counts, SLO names."""

from __future__ import annotations

from typing import Any

from pytest_qametrics.slo.catalogue import QUANTILE_OF, statistic_info

__all__ = [
    "VERDICT_LABELS",
    "format_duration",
    "format_number",
    "format_stat",
    "is_duration",
    "quantile_of",
    "slo_name",
    "slo_observed",
    "slo_threshold",
    "statistic_name",
]

#: Verdicts as the terminal summary shows them.
VERDICT_LABELS = {
    "pass": "PASS",
    "fail": "FAIL",
    "warn": "WARN",
    "no_data": "NO DATA",
    "inconclusive": "UNSURE",
    "skipped": "SKIPPED",
}


def format_duration(seconds: float) -> str:
    """``0.0123`` -> ``12.3 ms``."""
    size = abs(seconds)
    if size == 0:
        return "0 s"
    if size < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if size < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def format_number(value: float) -> str:
    """Integers with thousands separators, others with four significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e4 <= abs(value) < 1e12:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def is_duration(tracker: str, statistic: str) -> bool:
    """Whether ``tracker.statistic`` is measured in seconds."""
    info = statistic_info(tracker, statistic)
    return info is not None and info.kind == "duration"


def format_stat(value: float | None, tracker: str, statistic: str) -> str:
    """Format one statistic of ``tracker`` in its unit; ``-`` when there is none."""
    if value is None:
        return "-"
    info = statistic_info(tracker, statistic)
    if info is not None and info.kind == "rate":
        return f"{value * 100:.4g}%"
    if info is not None and info.kind == "duration":
        return format_duration(value)
    return format_number(value)


def quantile_of(statistic: str) -> float | None:
    """The quantile a percentile-like statistic stands for (``p95`` -> 0.95), else None."""
    return QUANTILE_OF.get(statistic)


def statistic_name(slo: dict[str, Any]) -> str:
    """The statistic as people write it: ``p95``, or ``pass^4`` / ``pass@4`` with its k."""
    k = slo.get("k")
    if k is None:
        return str(slo["statistic"])
    return f"pass@{k}" if slo["statistic"] == "pass_at_k" else f"pass^{k}"


def slo_name(slo: dict[str, Any]) -> str:
    """``latency[operation=checkout] p95``, with the slice of a ``per=`` SLO."""
    name = f"{slo['target']} {statistic_name(slo)}"
    return name if slo.get("part") is None else f"{name} [{slo['per']}={slo['part']}]"


def slo_observed(slo: dict[str, Any]) -> str:
    """The observed value in its unit, or ``-``."""
    return format_stat(slo["observed"], slo["tracker"], slo["statistic"])


def slo_threshold(slo: dict[str, Any]) -> str:
    """``<= 40 ms``."""
    return f"{slo['comparison']} {format_stat(slo['threshold'], slo['tracker'], slo['statistic'])}"
