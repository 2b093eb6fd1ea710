"""The SQLite history file: one row per run, its series statistics, histograms and verdicts."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from pytest_qametrics.history.records import RunFacts, RunRecord, RunRow, TrendPoint, VerdictRow
from pytest_qametrics.history.schema import HistoryError, migrate
from pytest_qametrics.judge.baseline import Confusion, Histogram, SeriesKey

__all__ = ["BUSY_TIMEOUT", "HistoryError", "HistoryStore"]

#: Seconds a writer waits for another process's write transaction before giving up.
BUSY_TIMEOUT = 30.0
_FIT_AS_BASELINE = (
    "exit_status IN (0, 1) AND NOT EXISTS (SELECT 1 FROM slo_verdicts v WHERE v.run_id = runs.id "
    "AND v.verdict = 'fail' AND v.statistic LIKE '%!_regression' ESCAPE '!')"
)
_RUN_COLUMNS = (
    "id, started, exit_status, duration, git_commit, git_branch, host, python, plugin_version"
)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _run_row(row: tuple[Any, ...]) -> RunRow:
    run_id, started, exit_status, duration, commit, branch, host, python, plugin = row
    facts = RunFacts(started, int(exit_status), duration, commit, branch, host, python, plugin)
    return RunRow(int(run_id), facts)


class HistoryStore:
    """An open history file, migrated to the current schema; use it as a context manager.

    The file is in WAL mode with a busy timeout, so runs finishing at the same moment in
    several processes (CI jobs sharing a file, xdist-free parallel sessions) queue up and all
    land. Every read and write raises HistoryError, never a bare sqlite3 error.
    """

    def __init__(self, path: Path, create: bool = True, timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        if not create and not path.exists():
            raise HistoryError(f"there is no history file at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise HistoryError(f"cannot open the history file {path}: {err}") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._db.execute("PRAGMA foreign_keys = ON")
            _use_wal(self._db, timeout)
            with self._transaction():
                self.migrated_from = migrate(self._db, str(path))
        except sqlite3.Error as err:
            self._db.close()
            raise HistoryError(_explain(path, err)) from None
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
        """Close the file."""
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self.path)

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error as err:
            raise HistoryError(f"cannot read the history file {self.path}: {err}") from None

    @property
    def schema_version(self) -> int:
        """The file's schema version (SCHEMA_VERSION once opened)."""
        return int(self._query("SELECT version FROM schema_version")[0][0])

    def add_run(self, record: RunRecord) -> int:
        """Store one run with everything it measured, atomically; return its id."""
        facts = record.facts
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO runs (started, exit_status, duration, git_commit, git_branch, host, "
                "python, plugin_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _run_values(facts),
            )
            run_id = int(cursor.lastrowid or 0)
            self._db.executemany(
                "INSERT OR REPLACE INTO series_stats VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, *key, statistic, value)
                    for key, values in record.stats.items()
                    for statistic, value in values.items()
                    if math.isfinite(value)
                ],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO series_histograms VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_histogram_row(run_id, key, h) for key, h in record.histograms.items()],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO series_confusion VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, *key, json.dumps(list(c.labels)), json.dumps(c.matrix.tolist()))
                    for key, c in record.confusions.items()
                ],
            )
            self._db.executemany(
                "INSERT INTO slo_verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _verdict_rows(run_id, record.verdicts),
            )
        return run_id

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

    def verdicts(self, run_id: int) -> list[VerdictRow]:
        """The SLO verdicts of a run, in the order they were judged."""
        rows = self._query(
            "SELECT scope, tracker, name, statistic, part, comparison, threshold, observed, n, "
            "verdict, reason FROM slo_verdicts WHERE run_id = ? ORDER BY position",
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


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock first, so writers queue."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    def __enter__(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise HistoryError(_explain(self.path, err)) from None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise HistoryError(_explain(self.path, error)) from None
            return
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as err:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise HistoryError(_explain(self.path, err)) from None


def _use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL mode once (the mode is stored in the file).

    SQLite answers "database is locked" at once, without the busy timeout, when two processes
    convert a new file together, so the switch is retried until ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _explain(path: Path, err: sqlite3.Error) -> str:
    if isinstance(err, sqlite3.DatabaseError) and "not a database" in str(err):
        return (
            f"{path} is not a pytest-qametrics history file (SQLite says: {err}); it is damaged "
            f"or another kind of file: move it away or choose another --qametrics-history path"
        )
    if "locked" in str(err) or "busy" in str(err):
        return f"{path} stayed locked by another process for {BUSY_TIMEOUT:g} s: {err}"
    return f"cannot use the history file {path}: {err}"


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
