"""The history store: one row per run, its series statistics, histograms, errors and verdicts.

One code path for every backend (an SQLite file, a PostgreSQL server): the SQL here is written
once with ``?`` placeholders; :mod:`pytest_qametrics.history.backends` speaks each dialect.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from pytest_qametrics.history.backends import Backend, chunks, open_backend
from pytest_qametrics.history.errors import HistoryError
from pytest_qametrics.history.records import RunFacts, RunRecord, RunRow, TrendPoint, VerdictRow
from pytest_qametrics.history.schema import migrate
from pytest_qametrics.history.target import HistoryTarget, parse_target
from pytest_qametrics.judge.baseline import Confusion, Histogram, SeriesKey

__all__ = ["BUSY_TIMEOUT", "TIMEOUT_VARIABLE", "HistoryError", "HistoryStore", "parse_started"]

#: Seconds a writer waits for another process's write transaction (or a migration) by default.
BUSY_TIMEOUT = 30.0
#: The environment variable that overrides BUSY_TIMEOUT (seconds).
TIMEOUT_VARIABLE = "QAMETRICS_HISTORY_TIMEOUT"
_FIT_AS_BASELINE = (
    "exit_status IN (0, 1) AND NOT EXISTS (SELECT 1 FROM slo_verdicts v WHERE v.run_id = runs.id "
    "AND v.verdict = 'fail' AND v.statistic LIKE '%!_regression' ESCAPE '!')"
)
_RUN_COLUMNS = (
    "id, started, exit_status, duration, git_commit, git_branch, host, python, plugin_version"
)
#: The tables whose rows belong to one run (deleted with it, also where cascades are off).
_RUN_TABLES = (
    "slo_verdicts",
    "series_stats",
    "series_histograms",
    "series_confusion",
    "series_errors",
)
_VERDICT_COLUMNS = (
    "scope, tracker, name, statistic, part, comparison, threshold, observed, n, verdict, "
    "reason, needed"
)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _run_row(row: tuple[Any, ...]) -> RunRow:
    run_id, started, exit_status, duration, commit, branch, host, python, plugin = row
    facts = RunFacts(started, int(exit_status), duration, commit, branch, host, python, plugin)
    return RunRow(int(run_id), facts)


def _timeout() -> float:
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise HistoryError(f"{TIMEOUT_VARIABLE}={raw!r} is not a number of seconds") from None
    if not value > 0:
        raise HistoryError(f"{TIMEOUT_VARIABLE}={raw!r} must be more than 0 seconds")
    return value


def parse_started(text: str) -> datetime | None:
    """A run's ``started`` time, or None when it is not an ISO 8601 time with a time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _as_target(where: HistoryTarget | Path | str) -> HistoryTarget:
    if isinstance(where, HistoryTarget):
        return where
    return parse_target(str(where)) if isinstance(where, str) else HistoryTarget("sqlite", where)


class HistoryStore:
    """An open history, migrated to the current schema; use it as a context manager.

    ``where`` is a file path (SQLite, in WAL mode with a busy timeout) or a PostgreSQL URL;
    runs finishing at the same moment in several processes (CI jobs sharing a history) queue
    up and all land exactly once. Every read and write raises HistoryError, never a driver
    error, and no message shows a password.
    """

    def __init__(
        self,
        where: HistoryTarget | Path | str,
        create: bool = True,
        timeout: float | None = None,
    ) -> None:
        self.target = _as_target(where)
        self.path = self.target.shown
        self._db: Backend = open_backend(self.target, create, timeout or _timeout())
        try:
            self.migrated_from = migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._db.query(sql, parameters)

    @property
    def schema_version(self) -> int:
        """The history's schema version (SCHEMA_VERSION once opened)."""
        return int(self._query("SELECT version FROM schema_version")[0][0])

    def add_run(self, record: RunRecord) -> int:
        """Store one run with everything it measured, atomically; return its id."""
        with self._db.transaction():
            run_id = int(
                self._query(
                    "INSERT INTO runs (started, exit_status, duration, git_commit, git_branch, "
                    "host, python, plugin_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    _run_values(record.facts),
                )[0][0]
            )
            self._add_rows(run_id, record)
        return run_id

    def _add_rows(self, run_id: int, record: RunRecord) -> None:
        self._db.executemany(
            "INSERT INTO series_stats VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, *key, statistic, value)
                for key, values in record.stats.items()
                for statistic, value in values.items()
                if math.isfinite(value)
            ],
        )
        self._db.executemany(
            "INSERT INTO series_histograms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_histogram_row(run_id, key, h) for key, h in record.histograms.items()],
        )
        self._db.executemany(
            "INSERT INTO series_confusion VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, *key, json.dumps(list(c.labels)), json.dumps(c.matrix.tolist()))
                for key, c in record.confusions.items()
            ],
        )
        self._db.executemany(
            "INSERT INTO series_errors VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, *key, message, int(count))
                for key, errors in record.errors.items()
                for message, count in errors.items()
            ],
        )
        self._db.executemany(
            f"INSERT INTO slo_verdicts (run_id, position, {_VERDICT_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _verdict_rows(run_id, record.verdicts),
        )

    def runs(
        self, last: int | None = None, branch: str | None = None, baselines: bool = False
    ) -> list[RunRow]:
        """Stored runs, oldest first: the ``last`` N of them, of one ``branch`` when given.

        With ``baselines``, only runs fit to be a baseline: they finished (exit status 0 or 1,
        not interrupted or broken) and none of their own regression keys failed, so rerunning
        a regressed build does not make the regression the new baseline.
        """
        conditions = ["git_branch = ?"] if branch else []
        if baselines:
            conditions.append(_FIT_AS_BASELINE)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = f"LIMIT {int(last)}" if last is not None else ""
        rows = self._query(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY id DESC {limit}",
            (branch,) if branch else (),
        )
        return [_run_row(row) for row in reversed(rows)]

    def run(self, run_id: int) -> RunRow | None:
        """The run with this id, or None."""
        rows = self._query(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        return _run_row(rows[0]) if rows else None

    def latest(self, branch: str | None = None, baselines: bool = False) -> RunRow | None:
        """The most recent run (of ``branch``; fit to be a baseline): see :meth:`runs`."""
        found = self.runs(last=1, branch=branch, baselines=baselines)
        return found[0] if found else None

    def stats(self, run_id: int) -> dict[SeriesKey, dict[str, float]]:
        """Every series statistic of a run."""
        found: dict[SeriesKey, dict[str, float]] = {}
        rows = self._query(
            "SELECT scope, tracker, name, statistic, value FROM series_stats WHERE run_id = ?",
            (run_id,),
        )
        for scope, tracker, name, statistic, value in rows:
            found.setdefault((scope, tracker, name), {})[statistic] = float(value)
        return found

    def histograms(self, run_id: int) -> dict[SeriesKey, Histogram]:
        """Every duration histogram of a run."""
        rows = self._query(
            "SELECT scope, tracker, name, alpha, bucket_offset, counts, zeros, count, sum, sum_sq, "
            "min, max FROM series_histograms WHERE run_id = ?",
            (run_id,),
        )
        return {(row[0], row[1], row[2]): _histogram(row[3:]) for row in rows}

    def confusions(self, run_id: int) -> dict[SeriesKey, Confusion]:
        """Every confusion matrix of a run."""
        rows = self._query(
            "SELECT scope, tracker, name, labels, matrix FROM series_confusion WHERE run_id = ?",
            (run_id,),
        )
        return {
            (scope, tracker, name): Confusion(
                tuple(json.loads(labels)), np.asarray(json.loads(matrix), dtype=np.int64)
            )
            for scope, tracker, name, labels, matrix in rows
        }

    def errors(self, run_id: int) -> dict[SeriesKey, dict[str, int]]:
        """The error messages of every latency series of a run, with their counts."""
        found: dict[SeriesKey, dict[str, int]] = {}
        rows = self._query(
            "SELECT scope, tracker, name, message, count FROM series_errors WHERE run_id = ?",
            (run_id,),
        )
        for scope, tracker, name, message, count in rows:
            found.setdefault((scope, tracker, name), {})[str(message)] = int(count)
        return found

    def verdicts(self, run_id: int) -> list[VerdictRow]:
        """The SLO verdicts of a run, in the order they were judged."""
        rows = self._query(
            f"SELECT {_VERDICT_COLUMNS} FROM slo_verdicts WHERE run_id = ? ORDER BY position",
            (run_id,),
        )
        return [VerdictRow(*row) for row in rows]

    def verdict_counts(self) -> dict[int, Counter[str]]:
        """Run id -> how many SLOs got each verdict."""
        counts: dict[int, Counter[str]] = {}
        rows = self._query("SELECT run_id, verdict, COUNT(*) FROM slo_verdicts GROUP BY 1, 2")
        for run_id, verdict, count in rows:
            counts.setdefault(int(run_id), Counter())[verdict] = int(count)
        return counts

    def trend(
        self, key: SeriesKey, statistic: str, last: int, branch: str | None = None
    ) -> list[TrendPoint]:
        """The statistic's value in the ``last`` runs that recorded it, oldest first."""
        where = "AND r.git_branch = ?" if branch else ""
        parameters: tuple[Any, ...] = (*key, statistic, *((branch,) if branch else ()), last)
        rows = self._query(
            "SELECT r.id, r.started, s.value, r.git_commit, r.git_branch FROM series_stats s "
            "JOIN runs r ON r.id = s.run_id WHERE s.scope = ? AND s.tracker = ? AND s.name = ? "
            f"AND s.statistic = ? {where} ORDER BY r.id DESC LIMIT ?",
            parameters,
        )
        return [TrendPoint(int(r[0]), r[1], float(r[2]), r[3], r[4]) for r in reversed(rows)]

    def delete_runs(self, run_ids: Iterable[int]) -> int:
        """Delete these runs and everything recorded with them, atomically; return how many."""
        ids = sorted(set(run_ids))
        deleted = 0
        with self._db.transaction():
            for part in chunks(ids):
                marks = ", ".join("?" for _ in part)
                for table in _RUN_TABLES:
                    self._query(f"DELETE FROM {table} WHERE run_id IN ({marks})", tuple(part))
                found = self._query(f"SELECT COUNT(*) FROM runs WHERE id IN ({marks})", tuple(part))
                deleted += int(found[0][0])
                self._query(f"DELETE FROM runs WHERE id IN ({marks})", tuple(part))
        return deleted


def _run_values(facts: RunFacts) -> tuple[Any, ...]:
    return (
        facts.started,
        facts.exit_status,
        _finite(facts.duration),
        facts.git_commit,
        facts.git_branch,
        facts.host,
        facts.python,
        facts.plugin_version,
    )


def _verdict_rows(run_id: int, verdicts: tuple[VerdictRow, ...]) -> list[tuple[Any, ...]]:
    return [
        (
            run_id,
            position,
            v.scope,
            v.tracker,
            v.name,
            v.statistic,
            v.part,
            v.comparison,
            v.threshold,
            _finite(v.observed),
            v.n,
            v.verdict,
            v.reason,
            v.needed,
        )
        for position, v in enumerate(verdicts)
    ]


def _histogram_row(run_id: int, key: SeriesKey, h: Histogram) -> tuple[Any, ...]:
    counts = np.asarray(h.counts, dtype="<i8").tobytes()
    return (
        run_id,
        *key,
        h.alpha,
        h.offset,
        counts,
        h.zeros,
        h.count,
        h.total,
        h.total_sq,
        _finite(h.low),
        _finite(h.high),
    )


def _histogram(row: tuple[Any, ...]) -> Histogram:
    alpha, offset, counts, zeros, count, total, total_sq, low, high = row
    return Histogram(
        offset=int(offset),
        counts=np.frombuffer(counts, dtype="<i8").astype(np.int64),
        zeros=int(zeros),
        count=int(count),
        total=float(total),
        total_sq=float(total_sq),
        low=math.nan if low is None else float(low),
        high=math.nan if high is None else float(high),
        alpha=float(alpha),
    )
