"""The same history cases on an SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from pytest_qametrics.cli import main
from pytest_qametrics.history.baseline import BaselineRef, baseline_from_store
from pytest_qametrics.history.records import RunFacts, RunRecord
from pytest_qametrics.history.schema import SCHEMA_VERSION
from pytest_qametrics.history.store import HistoryStore
from pytest_qametrics.judge.baseline import Histogram

from .test_store import KEY, a_run

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat(timespec="seconds")


def test_a_run_reads_back_with_everything_it_recorded(history_url: str) -> None:
    record = a_run(branch="main")
    record.errors[KEY] = {"TimeoutError: read timed out": 3, "HTTP 503": 1}
    with HistoryStore(history_url) as store:
        assert (store.schema_version, store.migrated_from) == (SCHEMA_VERSION, 0)
        run_id = store.add_run(record)
        (row,) = store.runs()
        stats, hist = store.stats(run_id), store.histograms(run_id)[KEY]
        confusion = store.confusions(run_id)[("session", "accuracy", "default")]
        (verdict,) = store.verdicts(run_id)
        errors = store.errors(run_id)
    assert (row.id, row.facts.git_branch, row.facts.duration, row.facts.host) == (
        run_id,
        "main",
        1.5,
        "host",
    )
    assert stats == {KEY: {"p95": 0.5, "count": 4.0}}
    expected = Histogram.of_values(np.array([0.0, 0.1, 0.2, 0.5]))
    assert hist.counts.tolist() == expected.counts.tolist()
    assert (hist.zeros, hist.count, hist.low, hist.high) == (1, 4, 0.0, 0.5)
    assert confusion.matrix.tolist() == [[3, 1], [0, 4]]
    assert (verdict.statistic, verdict.reason) == ("p95_regression", "p95 +5% vs baseline run 1")
    assert errors == {KEY: {"TimeoutError: read timed out": 3, "HTTP 503": 1}}


def test_runs_latest_trend_and_baselines_follow_the_branch(history_url: str) -> None:
    with HistoryStore(history_url) as store:
        for branch, p95, status in (("main", 0.1, 0), ("feature", 0.2, 0), ("main", 0.3, 2)):
            store.add_run(a_run(branch=branch, p95=p95, exit_status=status))
        trend = store.trend(KEY, "p95", 10, branch="main")
        latest = store.latest("main")
        fit = store.latest("main", baselines=True)
        baseline = baseline_from_store(store, BaselineRef("last"), "main")
    assert [(p.run, p.value) for p in trend] == [(1, 0.1), (3, 0.3)]
    assert latest is not None
    assert fit is not None
    assert (latest.id, fit.id) == (3, 1)  # run 3 was interrupted: no baseline
    assert baseline.label == "run 1"
    assert baseline.series[KEY].stats["p95"] == 0.1


def test_list_trend_and_compare_read_either_backend(
    history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with HistoryStore(history_url) as store:
        store.add_run(a_run(branch="main", p95=0.1))
        store.add_run(a_run(branch="main", p95=0.3))
    assert main(["history", "list", history_url]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["run", "started", "branch", "commit", "exit", "SLOs", "host"]
    assert [line.split()[0] for line in listing[1:]] == ["1", "2"]
    assert main(["history", "trend", history_url, "--series", "session/latency/checkout",
                 "--statistic", "p95"]) == 0  # fmt: skip
    trend = capsys.readouterr().out.splitlines()
    assert [line.split()[-2:] for line in trend[2:]] == [["100", "ms"], ["300", "ms"]]
    assert main(["history", "compare", history_url, "1", "2"]) == 0
    compared = capsys.readouterr().out
    assert "session/latency/checkout  p95" in compared
    assert "qametrics history: 0 of 1 statistics regressed" in compared  # 4 samples: untested


def test_prune_keeps_the_newest_runs_and_a_dry_run_deletes_nothing(
    history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with HistoryStore(history_url) as store:
        for _ in range(5):
            store.add_run(a_run())
    assert main(["history", "prune", history_url, "--keep-last", "2", "--dry-run"]) == 0
    assert "would delete 3 of 5 runs" in capsys.readouterr().out
    assert main(["history", "prune", history_url, "--keep-last", "2"]) == 0
    assert "deleted 3 runs" in capsys.readouterr().out
    with HistoryStore(history_url) as store:
        assert [r.id for r in store.runs()] == [4, 5]
        assert store.stats(1) == {}
        assert store.histograms(1) == {}
        assert store.verdicts(1) == []
        assert store.stats(4) != {}


def test_prune_older_than_deletes_by_start_time(
    history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(timezone.utc)
    with HistoryStore(history_url) as store:
        for days in (200, 100, 10, 1):
            started = (now - timedelta(days=days)).isoformat(timespec="seconds")
            store.add_run(a_run(started=started))
    assert main(["history", "prune", history_url, "--older-than", "90d"]) == 0
    assert "deleted 2 runs" in capsys.readouterr().out
    with HistoryStore(history_url) as store:
        assert [r.id for r in store.runs()] == [3, 4]
    assert main(["history", "prune", history_url, "--older-than", "ninety"]) == 2
    assert "--older-than 'ninety' is not an age such as 36h, 7d or 12w" in capsys.readouterr().err


def test_export_writes_series_as_csv_and_json(
    history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with HistoryStore(history_url) as store:
        store.add_run(a_run(branch="=cmd()", p95=0.25))
        store.add_run(a_run(branch="main", p95=0.5))
    series = ["--series", "session/latency/checkout", "--statistic", "p95"]
    assert main(["history", "export", history_url, *series]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "run,started,branch,commit,scope,tracker,name,statistic,value"
    assert lines[1].startswith("1,2026-01-01T00:00:00+00:00,'=cmd(),")
    assert lines[1].endswith(",session,latency,checkout,p95,0.25")
    assert len(lines) == 3
    assert main(["history", "export", history_url, "--format", "json", "--last", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {(r["run"], r["statistic"], r["value"]) for r in rows} == {
        (2, "p95", 0.5),
        (2, "count", 4.0),
    }


_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from pytest_qametrics.history.records import RunFacts, RunRecord
    from pytest_qametrics.history.store import HistoryStore
    from pytest_qametrics.judge.baseline import Histogram

    where, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    values = np.random.default_rng(len(name)).lognormal(-3, 0.3, 500)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(runs):
        with HistoryStore(where) as store:
            stats = {("session", "latency", f"op{j}"): {"p95": float(i)} for j in range(10)}
            hists = {key: Histogram.of_values(values) for key in stats}
            store.add_run(RunRecord(RunFacts(f"{name}-{i}", 0, host=name), stats, hists, {}))
    """
)


def test_sixteen_writers_at_once_land_every_run_exactly_once(history_url: str) -> None:
    names, runs = [f"w{i:02d}" for i in range(16)], 4
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, history_url, name, str(runs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    for writer in writers:  # every writer has opened nothing yet: a new history for all
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    with HistoryStore(history_url) as store:
        stored = store.runs()
        rows = sum(len(store.stats(run.id)) for run in stored)
    assert sorted(run.facts.started for run in stored) == sorted(
        f"{name}-{i}" for name in names for i in range(runs)
    )
    assert len({run.id for run in stored}) == len(stored) == 16 * runs
    assert rows == 16 * runs * 10


def test_a_run_of_an_old_schema_history_keeps_its_runs_after_migration(history_url: str) -> None:
    with HistoryStore(history_url) as store:
        store.add_run(a_run())
        for statement in (
            "DROP TABLE series_errors",
            "DROP INDEX runs_by_start",
            "ALTER TABLE slo_verdicts DROP COLUMN needed",
        ):
            store._query(statement)  # back to version 3 by hand
        store._query("UPDATE schema_version SET version = 3")
    with HistoryStore(history_url) as store:
        assert (store.migrated_from, store.schema_version) == (3, SCHEMA_VERSION)
        assert [r.id for r in store.runs()] == [1]
        record = a_run()
        record.errors[KEY] = {"boom": 2}
        assert store.errors(store.add_run(record)) == {KEY: {"boom": 2}}


def test_weekly_report_data_has_the_same_answer_on_both_backends(history_url: str) -> None:
    from pytest_qametrics.history.period import period_report

    with HistoryStore(history_url) as store:
        for days, p95 in ((13, 0.1), (12, 0.1), (11, 0.11), (3, 0.3), (2, 0.31), (1, 0.29)):
            record = a_run(started=at(days), branch="main", p95=p95)
            store.add_run(RunRecord(record.facts, record.stats, {}, {}, record.verdicts))
        data = period_report(store, timedelta(days=7), "main", NOW)
    (metric,) = [m for m in data["key_metrics"] if m["statistic"] == "p95"]
    assert (metric["shown_previous"], metric["shown_current"], metric["runs"]) == (
        "100 ms",
        "300 ms",
        [3, 3],
    )
    assert metric["worse"] is True
    assert (data["period"]["runs"], data["previous"]["runs"]) == (3, 3)
    assert RunFacts is not None
