"""The SQLite history file: round trips, migrations, damaged and foreign files, two writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from pytest_qametrics.history.baseline import BaselineRef, baseline_from_store
from pytest_qametrics.history.records import RunFacts, RunRecord, VerdictRow
from pytest_qametrics.history.schema import APPLICATION_ID, SCHEMA_VERSION
from pytest_qametrics.history.store import HistoryError, HistoryStore
from pytest_qametrics.judge.baseline import Confusion, Histogram

KEY = ("session", "latency", "checkout")


def a_run(
    started: str = "2026-01-01T00:00:00+00:00",
    exit_status: int = 0,
    branch: str | None = None,
    p95: float = 0.5,
    verdict: str = "pass",
) -> RunRecord:
    values = np.array([0.0, 0.1, 0.2, 0.5], dtype=np.float64)
    return RunRecord(
        facts=RunFacts(started, exit_status, 1.5, "a" * 40, branch, "host", "3.11.7", "0.1.0"),
        stats={KEY: {"p95": p95, "count": 4.0}},
        histograms={KEY: Histogram.of_values(values)},
        confusions={
            ("session", "accuracy", "default"): Confusion(
                ("a", "b"), np.array([[3, 1], [0, 4]], dtype=np.int64)
            )
        },
        verdicts=(
            VerdictRow(
                "session",
                "latency",
                "checkout",
                "p95_regression",
                None,
                "<=",
                0.1,
                0.05,
                4,
                verdict,
                "p95 +5% vs baseline run 1",
            ),
        ),
    )


def test_a_new_file_is_created_at_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "h.db"
    with HistoryStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.migrated_from == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)


def test_a_run_reads_back_with_its_statistics_histogram_confusion_and_verdicts(
    tmp_path: Path,
) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        run_id = store.add_run(a_run(branch="main"))
        (row,) = store.runs()
        hist = store.histograms(run_id)[KEY]
        confusion = store.confusions(run_id)[("session", "accuracy", "default")]
        verdicts = store.verdicts(run_id)
        stats = store.stats(run_id)
    assert (row.id, row.facts.git_branch, row.facts.exit_status, row.facts.duration) == (
        run_id,
        "main",
        0,
        1.5,
    )
    assert stats == {KEY: {"p95": 0.5, "count": 4.0}}
    expected = Histogram.of_values(np.array([0.0, 0.1, 0.2, 0.5]))
    assert (hist.offset, hist.zeros, hist.count, hist.low, hist.high) == (
        expected.offset,
        1,
        4,
        0.0,
        0.5,
    )
    assert hist.counts.tolist() == expected.counts.tolist()
    assert hist.log_histogram().quantile(0.5, hist.low, hist.high) == pytest.approx(0.1, rel=0.005)
    assert confusion.labels == ("a", "b")
    assert confusion.matrix.tolist() == [[3, 1], [0, 4]]
    assert [v.reason for v in verdicts] == ["p95 +5% vs baseline run 1"]


def test_runs_latest_and_trend_follow_the_branch(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        for branch, p95 in (("main", 0.1), ("feature", 0.2), ("main", 0.3)):
            store.add_run(a_run(branch=branch, p95=p95))
        latest_main = store.latest("main")
        trend = store.trend(KEY, "p95", 10, branch="main")
        everything = store.trend(KEY, "p95", 2)
    assert latest_main is not None
    assert latest_main.id == 3
    assert [(p.run, p.value) for p in trend] == [(1, 0.1), (3, 0.3)]
    assert [p.run for p in everything] == [2, 3]


def test_a_baseline_is_a_finished_run_whose_own_regression_keys_did_not_fail(
    tmp_path: Path,
) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        store.add_run(a_run(exit_status=1))  # 1: finished, failed tests are fine
        store.add_run(a_run(exit_status=1, verdict="fail"))  # 2: regressed
        store.add_run(a_run(exit_status=2))  # 3: interrupted
        fit = store.latest(baselines=True)
        newest = store.latest()
    assert fit is not None
    assert fit.id == 1
    assert newest is not None
    assert newest.id == 3


def write_version_1(path: Path) -> None:
    """A history file as pytest-qametrics wrote it at schema version 1, written by hand."""
    with sqlite3.connect(path) as db:
        db.executescript(
            f"""
            PRAGMA application_id = {APPLICATION_ID};
            CREATE TABLE schema_version (version INTEGER NOT NULL);
            INSERT INTO schema_version VALUES (1);
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, git_commit TEXT,
                git_branch TEXT, host TEXT, python TEXT, plugin_version TEXT,
                exit_status INTEGER NOT NULL);
            CREATE INDEX runs_by_branch ON runs (git_branch, id);
            CREATE TABLE series_stats (
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                scope TEXT NOT NULL, tracker TEXT NOT NULL, name TEXT NOT NULL,
                statistic TEXT NOT NULL, value REAL NOT NULL,
                PRIMARY KEY (run_id, scope, tracker, name, statistic)) WITHOUT ROWID;
            CREATE TABLE slo_verdicts (
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                position INTEGER NOT NULL, scope TEXT NOT NULL, tracker TEXT NOT NULL,
                name TEXT NOT NULL, statistic TEXT NOT NULL, part TEXT, comparison TEXT NOT NULL,
                threshold REAL NOT NULL, observed REAL, n INTEGER NOT NULL,
                verdict TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (run_id, position));
            INSERT INTO runs (started, git_branch, exit_status)
                VALUES ('2025-12-01T00:00:00+00:00', 'main', 0);
            INSERT INTO series_stats VALUES (1, 'session', 'latency', 'checkout', 'p95', 0.25);
            """
        )
    db.close()


def test_a_version_1_file_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    write_version_1(path)
    with HistoryStore(path) as store:
        assert (store.migrated_from, store.schema_version) == (1, SCHEMA_VERSION)
        (old,) = store.runs()
        assert (old.facts.started, old.facts.duration) == ("2025-12-01T00:00:00+00:00", None)
        assert store.stats(1) == {KEY: {"p95": 0.25}}
        assert store.histograms(1) == {}  # v1 kept no histograms
        new = store.add_run(a_run())
        assert KEY in store.histograms(new)
    with HistoryStore(path) as again:
        assert again.migrated_from == SCHEMA_VERSION
        assert [r.id for r in again.runs()] == [1, 2]


def test_a_file_of_a_newer_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.close()
    with pytest.raises(HistoryError, match="upgrade pytest-qametrics"):
        HistoryStore(path)


def test_a_file_that_is_not_a_database_is_a_clear_history_error(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"not a database at all\n" * 200)
    with pytest.raises(HistoryError, match="is not a pytest-qametrics history file") as caught:
        HistoryStore(path)
    assert str(path) in str(caught.value)
    assert "choose another --qametrics-history path" in str(caught.value)


def test_another_programs_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    with pytest.raises(HistoryError, match=r"another program .* tables: users"):
        HistoryStore(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("users",)]
    db.close()


def test_reading_a_missing_file_without_create_says_so(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="there is no history file at"):
        HistoryStore(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np

    from pytest_qametrics.history.records import RunFacts, RunRecord

    from pytest_qametrics.judge.baseline import Histogram
    from pytest_qametrics.history.store import HistoryStore

    path, name, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    values = np.random.default_rng(len(name)).lognormal(-3, 0.3, 2000)
    print("ready", flush=True)
    sys.stdin.readline()  # both writers start together
    for i in range(runs):
        with HistoryStore(path) as store:
            stats = {("session", "latency", f"op{j}"): {"p95": float(i), "count": 2000.0}
                     for j in range(30)}
            hists = {key: Histogram.of_values(values) for key in stats}
            store.add_run(RunRecord(RunFacts(f"{name}-{i}", 0, host=name), stats, hists, {}))
    """
)


def test_two_processes_writing_at_once_both_land(tmp_path: Path) -> None:
    path, runs = tmp_path / "shared.db", 25
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, str(runs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    with HistoryStore(path) as store:
        stored = store.runs()
        hosts = {run.facts.host for run in stored}
        rows = sum(len(store.stats(run.id)) for run in stored)
        histograms = sum(len(store.histograms(run.id)) for run in stored)
    assert len(stored) == 2 * runs
    assert hosts == {"left", "right"}
    assert sorted(run.facts.started for run in stored) == sorted(
        f"{name}-{i}" for name in ("left", "right") for i in range(runs)
    )
    assert rows == histograms == 2 * runs * 30


def test_last_is_the_latest_run_of_the_branch_else_of_any_branch(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        for branch in ("main", "release", "main", "release"):
            store.add_run(a_run(branch=branch))
        on_main = baseline_from_store(store, BaselineRef("last"), "main")
        on_new_branch = baseline_from_store(store, BaselineRef("last"), "feature")
        without_git = baseline_from_store(store, BaselineRef("last"), None)
        pinned = baseline_from_store(store, BaselineRef("run", run_id=2), "main")
    assert on_main.label == "run 3"
    assert on_new_branch.label == "run 4 (release; none yet on feature)"
    assert without_git.label == "run 4"
    assert pinned.label == "run 2"
    assert on_main.lookup(KEY) is not None


def test_an_empty_history_has_no_baseline_yet(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        baseline = baseline_from_store(store, BaselineRef("last"), "main")
    assert baseline.missing.startswith("no baseline yet: ")
    assert "holds no earlier finished run" in baseline.missing


def test_another_programs_database_is_refused_without_changing_a_byte(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
        db.execute("INSERT INTO users VALUES ('ada')")
    db.close()
    before = path.read_bytes()

    with pytest.raises(HistoryError, match=r"another program"):
        HistoryStore(path)

    assert path.read_bytes() == before  # still in rollback-journal mode, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
