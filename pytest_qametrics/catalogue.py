"""The statistics an SLO may name, per tracker, with their default comparison and value kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PERCENTILES",
    "TRACKERS",
    "Comparison",
    "StatisticInfo",
    "ValueKind",
    "statistic_info",
    "tracker_of_key",
]

Comparison = Literal["<", "<=", ">", ">="]
ValueKind = Literal["duration", "rate"]

#: Percentile statistic names and the quantile each one stands for.
PERCENTILES: dict[str, float] = {
    "p50": 0.50,
    "p75": 0.75,
    "p90": 0.90,
    "p95": 0.95,
    "p99": 0.99,
    "p999": 0.999,
}


@dataclass(frozen=True, slots=True)
class StatisticInfo:
    """How one statistic is compared by default and what its threshold measures."""

    name: str
    default: Comparison
    kind: ValueKind


def _table(default: Comparison, kind: ValueKind, *names: str) -> dict[str, StatisticInfo]:
    return {name: StatisticInfo(name, default, kind) for name in names}


_LATENCY: dict[str, StatisticInfo] = {
    **_table("<=", "duration", *PERCENTILES, "mean", "median", "max", "stdev"),
    **_table(">=", "rate", "success_rate"),
    **_table("<=", "rate", "error_rate"),
}

#: tracker name -> statistic name -> info. Later trackers add their own tables here.
TRACKERS: dict[str, dict[str, StatisticInfo]] = {"latency": _LATENCY}


def statistic_info(tracker: str, statistic: str) -> StatisticInfo | None:
    """Return what ``tracker.statistic`` means, or None when the pair is unknown."""
    return TRACKERS.get(tracker, {}).get(statistic)


def tracker_of_key(key: str) -> str | None:
    """Return the tracker whose table holds the marker key ``key``, if any."""
    for tracker, table in TRACKERS.items():
        if key in table:
            return tracker
    return None
