"""The data of a period's report (a week by default) from a history, as one plain dict.

This module gathers and judges; the report stage renders the dict as HTML or Markdown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from statistics import mean
from typing import Any

from pytest_qametrics.history.records import RunRow, VerdictRow
from pytest_qametrics.history.store import HistoryStore, parse_started
from pytest_qametrics.judge.advice import Evidence, SloRecord, advise, flips
from pytest_qametrics.judge.baseline import SeriesKey
from pytest_qametrics.judge.periods import compare_periods
from pytest_qametrics.judge.regression import shown
from pytest_qametrics.slo.catalogue import REGRESSION_SUFFIX, regression_base

__all__ = ["TOP", "PeriodError", "parse_age", "period_report"]

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
#: How many regressions and breaches the report lists.
TOP = 10
_SIGNIFICANT = 0.05
SloId = tuple[str, str, str, str, "str | None", str, float]


class PeriodError(ValueError):
    """An age such as ``7d`` that cannot be read."""


def parse_age(text: str, where: str) -> timedelta:
    """``36h``, ``7d`` or ``2w`` as a timedelta."""
    match = _AGE.match(text or "")
    if match is None or float(match[1]) <= 0:
        raise PeriodError(
            f"{where} {text!r} is not an age such as 36h, 7d or 12w (a positive number of "
            f"hours, days or weeks)"
        )
    return float(match[1]) * _UNITS[match[2].lower()]


@dataclass
class _Runs:
    """The runs of one period with what the report needs of each."""

    runs: list[RunRow] = field(default_factory=list)
    verdicts: dict[int, list[VerdictRow]] = field(default_factory=dict)
    stats: dict[int, dict[SeriesKey, dict[str, float]]] = field(default_factory=dict)

    def load(self, store: HistoryStore, run: RunRow) -> None:
        self.runs.append(run)
        self.verdicts[run.id] = store.verdicts(run.id)
        self.stats[run.id] = store.stats(run.id)

    def values(self, key: SeriesKey, statistic: str) -> list[float]:
        found = (self.stats[r.id].get(key, {}).get(statistic) for r in self.runs)
        return [v for v in found if v is not None]


def _slo_id(v: VerdictRow) -> SloId:
    return (v.scope, v.tracker, v.name, v.statistic, v.part, v.comparison, v.threshold)


def _label(slo: SloId) -> str:
    scope, tracker, name, statistic, part, comparison, threshold = slo
    series = f"{tracker}[{name}]" if name else tracker
    where = f"{scope} " if scope != "session" else ""
    slice_ = f" ({part})" if part else ""
    if statistic.endswith(REGRESSION_SUFFIX):
        limit = f"{threshold:g}"
    else:
        limit = shown(threshold, tracker, statistic)
    return f"{where}{series}.{statistic}{slice_} {comparison} {limit}"


def _split(store: HistoryStore, since: timedelta, branch: str | None, now: datetime) -> Any:
    current, previous = _Runs(), _Runs()
    for run in store.runs(branch=branch):
        started = parse_started(run.facts.started)
        if started is None or started > now:
            continue
        if started >= now - since:
            current.load(store, run)
        elif started >= now - 2 * since:
            previous.load(store, run)
    return current, previous


def _key_metrics(current: _Runs, previous: _Runs) -> list[dict[str, Any]]:
    metrics: dict[tuple[SeriesKey, str], str] = {}
    for rows in current.verdicts.values():
        for v in rows:
            statistic = regression_base(v.statistic) or v.statistic
            comparison = v.comparison if regression_base(v.statistic) is None else ""
            metrics.setdefault(((v.scope, v.tracker, v.name), statistic), comparison)
    found = []
    for (key, statistic), comparison in sorted(metrics.items()):
        now, then = current.values(key, statistic), previous.values(key, statistic)
        if not now:
            continue
        change = compare_periods(now, then)
        worse = None
        if change.change is not None:
            lower = comparison in ("<", "<=") or (not comparison and key[1] == "latency")
            worse = change.change > 0 if lower else change.change < 0
        found.append(
            {
                "series": "/".join(key),
                "statistic": statistic,
                "current": change.current,
                "previous": change.previous,
                "shown_current": shown(change.current, key[1], statistic)
                if change.current is not None
                else "-",
                "shown_previous": shown(change.previous, key[1], statistic)
                if change.previous is not None
                else "-",
                "change": change.change,
                "p_value": change.p_value,
                "significant": change.p_value is not None and change.p_value < _SIGNIFICANT,
                "worse": worse,
                "runs": [len(now), len(then)],
            }
        )
    return found


def _breaches(current: _Runs, previous: _Runs) -> list[dict[str, Any]]:
    def counts(runs: _Runs) -> Counter[SloId]:
        return Counter(
            _slo_id(v) for rows in runs.verdicts.values() for v in rows if v.verdict == "fail"
        )

    now, then = counts(current), counts(previous)
    return [
        {"slo": _label(slo), "count": count, "previous": then.get(slo, 0)}
        for slo, count in sorted(now.items(), key=lambda item: (-item[1], _label(item[0])))
    ][:TOP]


def _regressions(metrics: list[dict[str, Any]], current: _Runs) -> list[dict[str, Any]]:
    worse = [m for m in metrics if m["worse"] and m["significant"]]
    worse.sort(key=lambda m: -abs(m["change"]))
    keyed = Counter(
        _label(_slo_id(v))
        for rows in current.verdicts.values()
        for v in rows
        if v.verdict == "fail" and v.statistic.endswith(REGRESSION_SUFFIX)
    )
    found = [
        {
            "what": f"{m['series']} {m['statistic']}",
            "text": f"{m['shown_previous']} -> {m['shown_current']} ({m['change']:+.1%}, "
            f"p={m['p_value']:.2g})",
        }
        for m in worse
    ]
    found += [
        {"what": label, "text": f"regression key failed in {count} runs"}
        for label, count in keyed.most_common()
    ]
    return found[:TOP]


def _cost(current: _Runs, previous: _Runs) -> dict[str, Any]:
    def per_run(runs: _Runs, name: str) -> list[float]:
        return runs.values(("session", "metric", name), "sum")

    models: dict[str, list[float]] = {}
    for run in current.runs:
        for (scope, tracker, name), values in current.stats[run.id].items():
            if scope == "session" and tracker == "metric" and name.startswith("cost_usd[model="):
                models.setdefault(name[len("cost_usd[model=") : -1], []).append(values["sum"])
    now, then = per_run(current, "cost_usd"), per_run(previous, "cost_usd")
    return {
        "runs_with_cost": len(now),
        "total": sum(now),
        "per_run": mean(now) if now else None,
        "previous_per_run": mean(then) if then else None,
        "models": [
            {"model": model, "total": sum(values), "per_run": mean(values)}
            for model, values in sorted(models.items(), key=lambda item: -sum(item[1]))
        ],
    }


def _flaky(current: _Runs) -> list[dict[str, Any]]:
    series: dict[SloId, list[str]] = {}
    for run in current.runs:
        for v in current.verdicts[run.id]:
            series.setdefault(_slo_id(v), []).append(v.verdict)
    found = [
        {"slo": _label(slo), "flips": flips(verdicts), "verdicts": verdicts}
        for slo, verdicts in series.items()
        if flips(verdicts) >= 2
    ]
    return sorted(found, key=lambda f: (-f["flips"], f["slo"]))


def _evidence(store: HistoryStore, current: _Runs, slo: SloId) -> Evidence:
    """What the latest run that failed ``slo`` recorded around it."""
    failed = [
        r
        for r in current.runs
        if any(_slo_id(v) == slo for v in current.verdicts[r.id] if v.verdict == "fail")
    ]
    if not failed:
        return Evidence()
    run = failed[-1].id
    scope, tracker, name = slo[0], slo[1], slo[2]
    slowest = None
    p95s = [
        (values["p95"], key[2])
        for key, values in current.stats[run].items()
        if key[0] == scope
        and key[1] == "latency"
        and "p95" in values
        and not key[2].startswith("(")
    ]
    if tracker == "latency" and p95s:
        p95, operation = max(p95s)
        slowest = (operation, p95)
    errors = tuple(store.errors(run).get((scope, tracker, name), {}).items())
    confusion = store.confusions(run).get((scope, tracker, name))
    return Evidence(slowest, errors, confusion)


def _recommendations(store: HistoryStore, current: _Runs) -> list[dict[str, str]]:
    seen: dict[SloId, list[VerdictRow]] = {}
    for run in current.runs:
        for v in current.verdicts[run.id]:
            seen.setdefault(_slo_id(v), []).append(v)
    items = []
    for slo, rows in seen.items():
        needed = [v.needed for v in rows if v.needed is not None]
        record = SloRecord(
            label=_label(slo),
            tracker=slo[1],
            statistic=slo[3],
            comparison=slo[5],
            threshold=slo[6],
            verdicts=tuple(v.verdict for v in rows),
            observed=tuple(v.observed for v in rows if v.observed is not None),
            needed=max(needed) if needed else None,
            n=rows[-1].n,
        )
        items.append((record, _evidence(store, current, slo)))
    return [a.as_dict() for a in advise(items)]


def _period(runs: Sequence[RunRow], start: datetime, end: datetime) -> dict[str, Any]:
    failed = sum(run.facts.exit_status != 0 for run in runs)
    return {
        "start": start.isoformat(timespec="seconds"),
        "end": end.isoformat(timespec="seconds"),
        "runs": len(runs),
        "failed_runs": failed,
    }


def period_report(
    store: HistoryStore, since: timedelta, branch: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The report of the period ``since`` before ``now`` against the period before it."""
    end = now or datetime.now(timezone.utc)
    current, previous = _split(store, since, branch, end)
    metrics = _key_metrics(current, previous)
    return {
        "history": store.path,
        "branch": branch,
        "period": _period(current.runs, end - since, end),
        "previous": _period(previous.runs, end - 2 * since, end - since),
        "key_metrics": metrics,
        "breaches": _breaches(current, previous),
        "regressions": _regressions(metrics, current),
        "cost": _cost(current, previous),
        "flaky": _flaky(current),
        "recommendations": _recommendations(store, current),
    }
