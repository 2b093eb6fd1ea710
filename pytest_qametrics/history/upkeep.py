"""Keeping a history tidy and useful elsewhere: prune old runs, export series as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from pytest_qametrics.history.records import RunRow
from pytest_qametrics.history.store import HistoryStore, parse_started
from pytest_qametrics.judge.baseline import SeriesKey

__all__ = ["EXPORT_COLUMNS", "export", "prune", "prune_candidates"]

EXPORT_COLUMNS = (
    "run",
    "started",
    "branch",
    "commit",
    "scope",
    "tracker",
    "name",
    "statistic",
    "value",
)
#: A text cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _ids(runs: Sequence[RunRow]) -> str:
    ids = [run.id for run in runs]
    if len(ids) > 8:
        return f"{', '.join(map(str, ids[:4]))}, ..., {', '.join(map(str, ids[-2:]))}"
    return ", ".join(map(str, ids))


def prune_candidates(
    runs: Sequence[RunRow], keep_last: int | None, older_than: timedelta | None, now: datetime
) -> tuple[list[RunRow], list[RunRow]]:
    """The runs to delete and the runs whose start time is unreadable (kept), oldest first."""
    if keep_last is not None:
        return list(runs[: max(len(runs) - keep_last, 0)]), []
    if older_than is None:  # pragma: no cover - the command requires one of the two
        return [], []
    cutoff = now - older_than
    doomed, unknown = [], []
    for run in runs:
        started = parse_started(run.facts.started)
        if started is None:
            unknown.append(run)
        elif started < cutoff:
            doomed.append(run)
    return doomed, unknown


def prune(
    store: HistoryStore,
    keep_last: int | None,
    older_than: timedelta | None,
    dry_run: bool,
    now: datetime | None = None,
) -> list[str]:
    """Delete the runs ``keep_last`` or ``older_than`` selects; return the lines to print."""
    runs = store.runs()
    doomed, unknown = prune_candidates(
        runs, keep_last, older_than, now or datetime.now(timezone.utc)
    )
    lines = []
    if unknown:
        lines.append(
            f"qametrics history prune: kept {len(unknown)} runs whose start time is not an ISO "
            f"time with a time zone (ids {_ids(unknown)})"
        )
    left = len(runs) - len(doomed)
    if not doomed:
        lines.append(f"qametrics history prune: nothing to delete in {store.path} ({left} runs)")
        return lines
    if dry_run:
        lines.append(
            f"qametrics history prune: would delete {len(doomed)} of {len(runs)} runs from "
            f"{store.path} (ids {_ids(doomed)}); --dry-run deleted nothing"
        )
        return lines
    deleted = store.delete_runs(run.id for run in doomed)
    lines.append(
        f"qametrics history prune: deleted {deleted} runs from {store.path} (ids "
        f"{_ids(doomed)}); {left} runs left"
    )
    return lines


def _rows(
    store: HistoryStore,
    series: Sequence[SeriesKey],
    statistics: Sequence[str],
    branch: str | None,
    last: int | None,
) -> list[tuple[Any, ...]]:
    rows = []
    for run in store.runs(last=last, branch=branch):
        facts = run.facts
        stats = store.stats(run.id)
        for key in sorted(stats):
            if series and key not in series:
                continue
            for statistic, value in sorted(stats[key].items()):
                if statistics and statistic not in statistics:
                    continue
                head = (run.id, facts.started, facts.git_branch, facts.git_commit)
                rows.append((*head, *key, statistic, value))
    return rows


def _safe(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return "" if cell is None else cell


def export(
    store: HistoryStore,
    series: Sequence[SeriesKey],
    statistics: Sequence[str],
    branch: str | None,
    last: int | None,
    form: str,
) -> tuple[str, int]:
    """The chosen series statistics over the runs as CSV or JSON text, and the row count."""
    rows = _rows(store, series, statistics, branch, last)
    if form == "json":
        records = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows]
        return json.dumps({"history": store.path, "rows": records}, indent=1) + "\n", len(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows([_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue(), len(rows)
