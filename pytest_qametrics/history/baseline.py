"""The run a regression key compares with: an earlier run of the history file or a report.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_qametrics.judge.baseline import Baseline, Confusion, SeriesData, SeriesKey
from pytest_qametrics.judge.series import (
    ALL_OPERATIONS,
    CALL_DURATIONS,
    numeric_stats,
    row_series_key,
)
from pytest_qametrics.slo.catalogue import regression_base

if TYPE_CHECKING:
    from pytest_qametrics.history.store import HistoryStore

__all__ = [
    "BaselineError",
    "BaselineRef",
    "baseline_from_report",
    "baseline_from_store",
    "parse_baseline_ref",
]


class BaselineError(ValueError):
    """A ``--qametrics-baseline`` value that names nothing usable."""


@dataclass(frozen=True, slots=True)
class BaselineRef:
    """What ``--qametrics-baseline`` names: the latest run, one run id, or a report.json."""

    kind: Literal["last", "run", "report"]
    run_id: int | None = None
    path: Path | None = None


def parse_baseline_ref(text: str, directory: Path, where: str) -> BaselineRef:
    """Parse ``last``, a run id or a report.json path (relative to ``directory``)."""
    value = text.strip()
    if value.lower() == "last":
        return BaselineRef("last")
    if value.isdigit():
        if int(value) < 1:
            raise BaselineError(f"{where}={text!r}: run ids start at 1")
        return BaselineRef("run", run_id=int(value))
    path = directory / value
    if not path.is_file():
        raise BaselineError(
            f"{where}={text!r} is neither 'last', a run id nor an existing report.json "
            f"(looked for {path})"
        )
    return BaselineRef("report", path=path)


def _with_pooled_aliases(
    series: dict[SeriesKey, SeriesData],
) -> dict[SeriesKey, SeriesData]:
    """Let a scope's only latency operation stand for ``(all operations)`` when that is absent.

    A run whose SLOs never pooled its operations stored only per-operation series; with one
    operation the pool is that operation's series.
    """
    operations: dict[str, list[SeriesKey]] = {}
    for key in series:
        scope, tracker, name = key
        if (
            tracker == "latency"
            and name not in (ALL_OPERATIONS, CALL_DURATIONS)
            and "[" not in name
        ):
            operations.setdefault(scope, []).append(key)
    aliased = dict(series)
    for scope, keys in operations.items():
        pooled = (scope, "latency", ALL_OPERATIONS)
        if len(keys) == 1 and pooled not in aliased:
            aliased[pooled] = series[keys[0]]
    return aliased


def baseline_from_store(store: HistoryStore, ref: BaselineRef, branch: str | None) -> Baseline:
    """The baseline run ``ref`` names in an open history file."""
    where = store.path
    if ref.kind == "run" and ref.run_id is not None:
        row = store.run(ref.run_id)
        if row is None:
            return Baseline.absent(
                f"baseline run {ref.run_id} is not in {where}; "
                f"'qametrics history list {where}' shows its runs"
            )
        label = f"run {row.id}"
    else:
        row = store.latest(branch, baselines=True) if branch else None
        label = f"run {row.id}" if row else ""
        if row is None:
            row = store.latest(baselines=True)
            if row is not None:
                other = row.facts.git_branch or "no branch"
                label = f"run {row.id}" + (f" ({other}; none yet on {branch})" if branch else "")
        if row is None:
            return Baseline.absent(
                f"no baseline yet: {where} holds no earlier finished run; this run is recorded "
                f"in it now, so the next run compares with it"
            )
    stats = store.stats(row.id)
    histograms = store.histograms(row.id)
    confusions = store.confusions(row.id)
    series = {
        key: SeriesData(values, histograms.get(key), confusions.get(key))
        for key, values in stats.items()
    }
    return Baseline(label, _with_pooled_aliases(series))


def baseline_from_report(path: Path) -> Baseline:
    """The statistics of a report.json: its series rows and the observed values of its SLOs.

    A report.json has no histograms, so percentile and mean regressions compare the values
    against the tolerance without a significance test; rates keep theirs (n is in the report).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        series = _report_series(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return Baseline.absent(f"the baseline {path} is not a readable report.json ({err})")
    return Baseline(f"report.json at {path}", _with_pooled_aliases(series))


def _report_series(data: dict[str, Any]) -> dict[SeriesKey, SeriesData]:
    series: dict[SeriesKey, SeriesData] = {}
    for row in data["series"]:
        key = (str(row["scope"]), str(row["tracker"]), str(row["name"]))
        details = row.get("details") or {}
        confusion = None
        if "confusion_matrix" in details and "labels" in details:
            matrix = np.asarray(details["confusion_matrix"], dtype=np.int64)
            confusion = Confusion(tuple(str(x) for x in details["labels"]), matrix)
        series[key] = SeriesData(numeric_stats(row["statistics"]), None, confusion)
    for slo in data["slos"]:
        if slo["observed"] is None or regression_base(slo["statistic"]) is not None:
            continue
        key = row_series_key(slo)
        found = series.get(key) or SeriesData({})
        stats = {**found.stats, slo["statistic"]: float(slo["observed"])}
        stats.setdefault("count", float(slo["n"]))
        series[key] = replace(found, stats=stats)
    return series
