"""The statistics an SLO may name, per tracker, with their default comparison and value kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CONFUSION_STATISTICS",
    "MEANS",
    "PERCENTILES",
    "QUANTILE_OF",
    "RATES",
    "REGRESSION_KINDS",
    "REGRESSION_SUFFIX",
    "RELIABILITY",
    "SCORE_QUANTILES",
    "TRACKERS",
    "Comparison",
    "StatisticInfo",
    "ValueKind",
    "regression_base",
    "statistic_info",
    "supports_confidence",
    "tracker_of_key",
    "worse_when_higher",
]

Comparison = Literal["<", "<=", ">", ">="]
#: ``duration_change`` is a regression tolerance in seconds or, written as "10%", relative to the
#: baseline; ``rate_change`` an absolute change of a rate (0.02 or "2%": two percentage points).
ValueKind = Literal["duration", "rate", "number", "duration_change", "rate_change"]
#: The value kinds of ``<statistic>_regression`` keys.
REGRESSION_KINDS: tuple[ValueKind, ...] = ("duration_change", "rate_change")
#: A key ``p95_regression`` judges how much p95 got worse than in the baseline run.
REGRESSION_SUFFIX = "_regression"

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
    #: None for custom metrics, whose direction only the user knows: they must write it.
    default: Comparison | None
    kind: ValueKind


def _table(default: Comparison | None, kind: ValueKind, *names: str) -> dict[str, StatisticInfo]:
    return {name: StatisticInfo(name, default, kind) for name in names}


def _regressions(table: dict[str, StatisticInfo], *names: str) -> dict[str, StatisticInfo]:
    """``<name>_regression`` keys: the tolerated worsening of each statistic vs a baseline."""
    keys = {}
    for name in names:
        kind: ValueKind = "duration_change" if table[name].kind == "duration" else "rate_change"
        key = name + REGRESSION_SUFFIX
        keys[key] = StatisticInfo(key, "<=", kind)
    return keys


_LATENCY: dict[str, StatisticInfo] = {
    **_table("<=", "duration", *PERCENTILES, "mean", "median", "max", "stdev"),
    **_table(">=", "rate", "success_rate"),
    **_table("<=", "rate", "error_rate"),
}
_LATENCY.update(_regressions(_LATENCY, *PERCENTILES, "mean", "success_rate", "error_rate"))

_AVERAGED = [
    f"{measure}{average}"
    for measure in ("precision", "recall", "f1")
    for average in ("", "_macro", "_micro", "_weighted")
]
_ACCURACY: dict[str, StatisticInfo] = _table(
    ">=",
    "rate",
    "accuracy",
    "balanced_accuracy",
    *_AVERAGED,
    "min_class_recall",
    "min_class_precision",
)
_ACCURACY.update(_regressions(_ACCURACY, *_ACCURACY))
_ESCALATION: dict[str, StatisticInfo] = {
    **_table("<=", "rate", "escalation_rate"),
    **_table(">=", "rate", "automation_rate", "fcr_rate"),
    **_table("<=", "duration", "resolution_time_p95", "resolution_time_mean"),
}
_ESCALATION.update(_regressions(_ESCALATION, *_ESCALATION))
#: Custom metrics (``metric="name"``): any unit, so every threshold states its comparison.
_METRIC: dict[str, StatisticInfo] = _table(
    None, "number", "sum", "count", "mean", "min", "max", *PERCENTILES
)

#: Reliability of repeated trials: averaged per case (pass@k and pass^k need ``k=``).
RELIABILITY = ("pass_rate", "pass_at_k", "pass_hat_k")
#: Quantiles of the scores trials recorded with ``evals.record(passed, score=...)``.
SCORE_QUANTILES: dict[str, float] = {
    "score_p10": 0.10,
    "score_p25": 0.25,
    "score_median": 0.50,
    "score_p75": 0.75,
    "score_p90": 0.90,
}
_EVALS: dict[str, StatisticInfo] = {
    **_table(">=", "rate", *RELIABILITY),
    **_table("<=", "number", "flaky_cases"),
    **_table(">=", "number", "score_mean", *SCORE_QUANTILES),
}

#: tracker name -> statistic name -> info. ``metric`` keys apply only with ``metric=``.
TRACKERS: dict[str, dict[str, StatisticInfo]] = {
    "latency": _LATENCY,
    "accuracy": _ACCURACY,
    "escalation": _ESCALATION,
    "evals": _EVALS,
    "metric": _METRIC,
}


def statistic_info(tracker: str, statistic: str) -> StatisticInfo | None:
    """Return what ``tracker.statistic`` means, or None when the pair is unknown."""
    return TRACKERS.get(tracker, {}).get(statistic)


def tracker_of_key(key: str, custom_metric: bool = False) -> str | None:
    """Return the tracker a marker key belongs to (``metric`` when a custom metric is named)."""
    if custom_metric:
        return "metric" if key in _METRIC else None
    for tracker, table in TRACKERS.items():
        if tracker != "metric" and key in table:
            return tracker
    return None


#: The quantile each quantile-like statistic stands for.
QUANTILE_OF: dict[str, float] = {
    **PERCENTILES,
    "median": 0.5,
    "resolution_time_p95": 0.95,
    **SCORE_QUANTILES,
}
#: Statistics that are means of samples.
MEANS = ("mean", "resolution_time_mean", "score_mean")
#: Rates of good or bad samples among n (Wilson intervals).
RATES = ("success_rate", "error_rate", "accuracy", "escalation_rate", "automation_rate", "fcr_rate")
#: Statistics of a confusion matrix (bootstrap or per-class intervals).
CONFUSION_STATISTICS = (*_AVERAGED, "balanced_accuracy", "min_class_recall", "min_class_precision")


def regression_base(statistic: str) -> str | None:
    """The statistic a regression key compares (``p95_regression`` -> ``p95``), else None."""
    if not statistic.endswith(REGRESSION_SUFFIX):
        return None
    return statistic[: -len(REGRESSION_SUFFIX)]


def worse_when_higher(tracker: str, statistic: str) -> bool:
    """Whether a higher value of ``tracker.statistic`` is worse (latency, error and escalation
    rates) rather than better (success rate, accuracy)."""
    info = statistic_info(tracker, statistic)
    return info is None or info.default in ("<=", "<")


def supports_confidence(statistic: str) -> bool:
    """Whether ``confidence=`` means something for ``statistic`` (max, min and sums do not).

    On a regression key it is the significance the worsening must reach to fail.
    """
    return (
        statistic.endswith(REGRESSION_SUFFIX)
        or statistic in QUANTILE_OF
        or statistic in MEANS
        or statistic in RATES
        or statistic in CONFUSION_STATISTICS
        or statistic in RELIABILITY
    )
