"""Parse ``qametrics_slo`` ini lines such as ``latency[operation=checkout].p95 <= 500ms``."""

from __future__ import annotations

import re
from typing import Any

from pytest_qametrics.slo.catalogue import TRACKERS, statistic_info
from pytest_qametrics.slo.spec import (
    SESSION,
    SloError,
    SloSpec,
    check_confidence,
    check_count,
    check_interval_exists,
    check_min_samples,
    check_name,
    check_per,
    check_reliability,
    check_severity,
    did_you_mean,
)
from pytest_qametrics.slo.thresholds import ThresholdError, parse_threshold

__all__ = ["parse_slo_line", "parse_slo_lines"]

_LINE = re.compile(
    r"^(?P<tracker>[A-Za-z_]+)(?:\[(?P<selectors>[^\]]*)\])?\.(?P<statistic>[A-Za-z0-9_]+)"
    r"\s*(?P<op><=|>=|<|>)\s*(?P<value>[^\s]+(?:\s+(?:us|µs|ms|s|%)(?=\s|$))?)"
    r"(?P<options>(?:\s+\S+)*)\s*$"
)
_SELECTORS = {"latency": ("operation",), "metric": ("name",)}
_OPTIONS = ("min_samples", "severity", "confidence", "per", "k")
_SYNTAX = (
    "tracker[selector=value].statistic <op> threshold [min_samples=N] [severity=warn] "
    "[confidence=0.95] [per=operation] [k=4]"
)


def parse_slo_lines(lines: list[str]) -> list[SloSpec]:
    """Parse every non-blank, non-comment line; the first bad one raises SloError."""
    specs = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            specs.append(parse_slo_line(text, f"qametrics_slo line {number} {_shown(text)!r}"))
    return specs


def parse_slo_line(text: str, where: str) -> SloSpec:
    """Parse one SLO line into a session-scoped spec."""
    match = _LINE.match(text)
    if match is None:
        raise SloError(f"{where}: not an SLO line; expected {_SYNTAX}, e.g. 'latency.p95 <= 500ms'")
    tracker = match.group("tracker")
    if tracker not in TRACKERS:
        raise SloError(f"{where}: unknown tracker {tracker!r}{did_you_mean(tracker, TRACKERS)}")
    statistic = match.group("statistic")
    info = statistic_info(tracker, statistic)
    if info is None:
        raise SloError(
            f"{where}: unknown {tracker} statistic {statistic!r}"
            f"{did_you_mean(statistic, TRACKERS[tracker])}"
        )
    try:
        value = match.group("value").replace(" ", "")
        threshold = parse_threshold(match.group("op") + value, info)
    except ThresholdError as err:
        raise SloError(f"{where}: {err}") from None
    selectors = _pairs(match.group("selectors") or "", ",", _SELECTORS.get(tracker, ()), where)
    if tracker == "metric" and "name" not in selectors:
        raise SloError(f"{where}: name the custom metric, e.g. 'metric[name=cost_usd].sum <= 2.00'")
    options = _pairs(match.group("options"), None, _OPTIONS, where)
    k = check_count(
        "k", _as_int(options["k"], where, "k") if "k" in options else None, where, "k=4"
    )
    check_reliability([statistic], k, False, None, where)
    return SloSpec(
        scope=SESSION,
        tracker=tracker,
        statistic=statistic,
        comparison=threshold.comparison,
        threshold=threshold.value,
        relative=threshold.relative,
        operation=selectors.get("operation"),
        metric=selectors.get("name"),
        min_samples=check_min_samples(_as_int(options.get("min_samples", "1"), where), where),
        severity=check_severity(options.get("severity", "fail"), where),
        confidence=_confidence(options.get("confidence"), statistic, where),
        per=_per(options, tracker, statistic, selectors, where),
        k=k,
        declared_at=where,
    )


def _shown(text: str, limit: int = 80) -> str:
    """``text``, shortened to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pairs(text: str, sep: str | None, allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for part in text.split(sep):
        if not part.strip():
            continue
        key, eq, value = part.strip().partition("=")
        if key in pairs:
            raise SloError(f"{where}: {key}= is given twice; keep one")
        if not eq or key not in allowed:
            known = ", ".join(allowed) or "none"
            raise SloError(
                f"{where}: {_shown(part.strip())!r} is not one of the allowed key=value settings "
                f"({known}){did_you_mean(key, allowed)}"
            )
        pairs[key] = check_name(key, value, where)
    return pairs


def _as_int(value: str, where: str, key: str = "min_samples") -> object:
    if not (value.isascii() and value.isdigit()):
        raise SloError(f"{where}: {key} must be an int >= 1, not {value!r}")
    return int(value)


def _confidence(value: str | None, statistic: str, where: str) -> float | None:
    if value is None:
        return None
    try:
        number: object = float(value) if value.isascii() else value
    except ValueError:
        number = value
    confidence = check_confidence(number, where)
    check_interval_exists(statistic, confidence, where)
    return confidence


def _per(
    options: dict[str, Any], tracker: str, statistic: str, selectors: dict[str, Any], where: str
) -> str | None:
    per = options.get("per")
    confidence = _confidence(options.get("confidence"), statistic, where)
    check_per(tracker, statistic, per, selectors.get("operation"), confidence, where)
    return per
