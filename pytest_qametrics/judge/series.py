"""Which stored series an SLO's selection is, and the numbers of a statistics object."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from pytest_qametrics.judge.baseline import Histogram, SeriesKey
from pytest_qametrics.judge.observations import FROM_CALLS, Observation
from pytest_qametrics.slo.catalogue import REGRESSION_SUFFIX
from pytest_qametrics.slo.spec import SloSpec

__all__ = [
    "ALL_OPERATIONS",
    "CALL_DURATIONS",
    "COLUMN_SERIES",
    "numeric_stats",
    "observation_histogram",
    "row_series_key",
    "row_trend_key",
    "series_key",
    "trend_key",
]

#: The same names as the report model's series rows (report/model.py), so a stored series and
#: a report.json row of the same samples share their name.
CALL_DURATIONS = "(call durations)"
ALL_OPERATIONS = "(all operations)"
#: The series name of the accuracy and escalation fixtures' samples.
COLUMN_SERIES = "default"


def series_key(spec: SloSpec, part: str | None, source: str) -> SeriesKey:
    """The (scope, tracker, name) an SLO's samples are stored under.

    The name depends on the SLO, never on what the run happened to record, so one SLO finds
    its series in every run: the operation (or ``(all operations)``, or ``(call durations)``
    when latency fell back to the tests' call durations), the metric name, or ``default`` for
    accuracy and escalation; a ``per=`` slice appends `` [per=part]`` (a ``per="operation"``
    slice is that operation's series).
    """
    if spec.tracker == "latency":
        if source == FROM_CALLS:
            base = CALL_DURATIONS
        elif spec.per == "operation" and part is not None:
            return (spec.scope, spec.tracker, part)
        else:
            base = spec.operation or ALL_OPERATIONS
    elif spec.tracker == "metric":
        base = spec.metric or ""
    else:
        base = COLUMN_SERIES
    if part is not None and spec.per is not None:
        base = f"{base} [{spec.per}={part}]"
    return (spec.scope, spec.tracker, base)


def trend_key(key: SeriesKey, statistic: str) -> str:
    """``scope|tracker|name|statistic``: the key of one line in the report's ``trends``."""
    return "|".join((*key, statistic))


def numeric_stats(stats: Any) -> dict[str, float]:
    """The finite numbers among a statistics object's fields (dataclass or mapping)."""
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        items: Mapping[str, Any] = {
            f.name: getattr(stats, f.name) for f in dataclasses.fields(stats)
        }
    elif isinstance(stats, Mapping):
        items = stats
    else:
        return {}
    return {
        name: float(value)
        for name, value in items.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    }


def observation_histogram(seen: Observation) -> Histogram | None:
    """The histogram of the durations an observation's quantiles and mean are taken over."""
    if seen.digest is not None:
        digest = seen.digest
        hist = digest.hist
        return Histogram(
            offset=hist.offset,
            counts=hist.counts.copy(),
            zeros=hist.zeros,
            count=digest.count,
            total=digest.total,
            total_sq=digest.total_sq,
            low=digest.low,
            high=digest.high,
        )
    if seen.values is None or seen.values.size == 0 or bool((seen.values < 0).any()):
        return None
    return Histogram.of_values(seen.values)


def row_series_key(slo: Mapping[str, Any]) -> SeriesKey:
    """The series of one SLO row of a report.json (``slos[i]``)."""
    spec = SloSpec(
        scope=str(slo["scope"]),
        tracker=str(slo["tracker"]),
        statistic=str(slo["statistic"]),
        comparison=slo["comparison"],
        threshold=float(slo["threshold"]),
        operation=slo["operation"],
        metric=slo["metric"],
        per=slo["per"],
    )
    return series_key(spec, slo["part"], str(slo["source"]))


def row_trend_key(slo: Mapping[str, Any]) -> str:
    """The key of an SLO row's line in the report's ``trends`` (regression keys share the
    line of the statistic they compare: ``p95_regression`` shows the p95 trend)."""
    statistic = str(slo["statistic"])
    if statistic.endswith(REGRESSION_SUFFIX):
        statistic = statistic[: -len(REGRESSION_SUFFIX)]
    return trend_key(row_series_key(slo), statistic)
