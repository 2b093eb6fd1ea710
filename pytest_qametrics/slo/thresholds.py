"""Parse threshold values such as ``1.0``, ``"<=500ms"`` or ``">=99.5%"``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pytest_qametrics.slo.catalogue import REGRESSION_KINDS, Comparison, StatisticInfo

__all__ = ["Threshold", "ThresholdError", "compare", "parse_threshold"]

_DURATION_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
_PATTERN = re.compile(
    r"^\s*(?P<op><=|>=|<|>)?\s*(?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>[a-zµ%]*)\s*$",
    re.ASCII,  # digits are 0-9 only: an Arabic-Indic five is refused, not read as 5
)


class ThresholdError(ValueError):
    """A threshold value that cannot be used; the message says what would be right."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """A comparison against a number, in seconds for durations and in [0, 1] for rates."""

    comparison: Comparison
    value: float
    #: A regression tolerance written as a percentage of the baseline ("10%"): ``value`` is then
    #: the fraction 0.10 of the baseline value, not seconds.
    relative: bool = False


def parse_threshold(raw: object, info: StatisticInfo) -> Threshold:
    """Turn a marker or ini value into a Threshold for the statistic ``info``."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ThresholdError(
            f"{info.name} needs a number or a comparison string such as "
            f"{_example(info)!r}, not {type(raw).__name__} {raw!r}"
        )
    relative = False
    if isinstance(raw, str):
        op, value, relative = _parse_string(raw, info)
    else:
        op, value = info.default, _finite_float(raw, info)
    if op is None:
        raise ThresholdError(
            f"{info.name}={raw!r}: a custom metric has no default direction; state the "
            f"comparison, e.g. {info.name}='<={raw}' or {info.name}='>={raw}'"
        )
    _check_range(value, info, raw)
    if info.kind in REGRESSION_KINDS and op not in ("<=", "<"):
        raise ThresholdError(
            f"{info.name}={raw!r}: a regression key is the most the statistic may get worse than "
            f"in the baseline, so it takes a tolerance such as {_example(info)!r}, not {op!r}"
        )
    return Threshold(op, value, relative)


def compare(observed: float, threshold: Threshold) -> bool:
    """Return True when ``observed`` satisfies ``threshold``."""
    limit = threshold.value
    if threshold.comparison == "<=":
        return observed <= limit
    if threshold.comparison == "<":
        return observed < limit
    if threshold.comparison == ">=":
        return observed >= limit
    return observed > limit


def _finite_float(raw: int | float, info: StatisticInfo) -> float:
    try:
        return float(raw)
    except OverflowError:
        raise ThresholdError(f"{info.name}={raw!r} is too large to be a threshold") from None


def _parse_string(raw: str, info: StatisticInfo) -> tuple[Comparison | None, float, bool]:
    match = _PATTERN.match(raw)
    if match is None:
        raise ThresholdError(
            f"{info.name}={raw!r} is not a threshold; write a number or a comparison "
            f"such as {_example(info)!r}"
        )
    op = match.group("op") or info.default
    number = float(match.group("num"))
    unit = match.group("unit")
    relative = info.kind == "duration_change" and unit == "%"
    factor = _unit_factor(unit, info, raw)
    # 70% is 70 / 100, the double nearest 0.7; 70 * 0.01 is one above it, and a pass rate of
    # exactly 0.7 would then fail ">= 70%".
    value = number / round(1 / factor) if factor < 1 else number * factor
    return op, value, relative  # type: ignore[return-value]


def _unit_factor(unit: str, info: StatisticInfo, raw: str) -> float:
    if not unit:
        return 1.0
    if info.kind in ("duration", "duration_change") and unit in _DURATION_UNITS:
        return _DURATION_UNITS[unit]
    if info.kind in ("rate", "duration_change") and unit == "%":
        return 0.01
    if info.kind == "rate_change" and unit in ("%", "pp"):
        return 0.01
    allowed = {
        "duration": "us, ms or s",
        "rate": "% (or none, for a fraction)",
        "number": "no unit (a plain number in the metric's own unit)",
        "duration_change": "% (relative to the baseline) or us, ms, s (absolute)",
        "rate_change": "% or pp (percentage points), or none for a fraction",
    }[info.kind]
    raise ThresholdError(f"{info.name}={raw!r} has unit {unit!r}; {info.name} takes {allowed}")


def _check_range(value: float, info: StatisticInfo, raw: object) -> None:
    if not math.isfinite(value):
        raise ThresholdError(f"{info.name}={raw!r} is not a finite number")
    if info.kind == "duration" and value < 0:
        raise ThresholdError(f"{info.name}={raw!r} is a negative duration; latencies are >= 0 s")
    if info.kind == "duration_change" and value < 0:
        raise ThresholdError(
            f"{info.name}={raw!r} is negative; a tolerance is how much worse the statistic may "
            f"get, e.g. '10%' or '50ms'"
        )
    if info.kind == "rate_change" and not 0.0 <= value <= 1.0:
        raise ThresholdError(
            f"{info.name}={raw!r} is outside [0, 1]; a rate tolerance is an absolute change, "
            f"e.g. 0.02 or '2%' (two percentage points)"
        )
    if info.kind == "rate" and not 0.0 <= value <= 1.0:
        raise ThresholdError(
            f"{info.name}={raw!r} is outside [0, 1]; rates are fractions (0.995) or percentages "
            f"('99.5%')"
        )


def _example(info: StatisticInfo) -> str:
    if info.kind == "duration_change":
        return "10%"
    if info.kind == "rate_change":
        return "0.02"
    op = info.default or "<="
    if info.kind == "duration":
        return f"{op}500ms"
    return f"{op}0.95" if info.kind == "rate" else f"{op}2.5"
