"""Cost of the weekly report over 200 recorded runs, on an SQLite file and on PostgreSQL.

Run ``python benchmarks/bench_weekly_report.py`` (``--runs N`` to change the history size,
``--repeat K`` the repetitions). A history is filled with ``--runs`` runs spread over the last
14 days (half in the reported week, half in the week before), each with 40 series of 6
statistics, 12 SLO verdicts, a confusion matrix, error messages and per-model cost. Then
``qametrics history report --since 7d --html --markdown`` is timed end to end (open, read,
judge, render, write), the median of ``--repeat`` repetitions. PostgreSQL runs when Debian's
PostgreSQL 15 is installed (a throwaway cluster, as in the tests). Target: under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from time import perf_counter

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_qametrics.cli import main
from pytest_qametrics.history.records import RunFacts, RunRecord, VerdictRow
from pytest_qametrics.history.store import HistoryStore
from pytest_qametrics.judge.baseline import Confusion

TARGET_S = 2.0


def _verdict(op: int, p95: float) -> VerdictRow:
    status = "pass" if p95 <= 0.1 else "fail"
    row = ("session", "latency", f"op{op:02d}", "p95", None, "<=", 0.1, p95, 500, status, "-")
    return VerdictRow(*row)


def a_run(index: int, started: datetime, rng: np.random.Generator) -> RunRecord:
    stats = {}
    for op in range(40):
        key = ("session", "latency", f"op{op:02d}")
        p95 = float(rng.lognormal(-2.5, 0.2))
        stats[key] = {"p50": p95 / 3, "p95": p95, "p99": p95 * 1.5, "mean": p95 / 2,
                      "error_rate": float(rng.uniform(0, 0.02)), "count": 500.0}  # fmt: skip
    stats[("session", "metric", "cost_usd")] = {"sum": float(rng.uniform(0.5, 1.5))}
    for model in ("gpt-4o", "mini"):
        stats[("session", "metric", f"cost_usd[model={model}]")] = {"sum": 0.4, "count": 10.0}
    verdicts = tuple(_verdict(op, stats[("session", "latency", f"op{op:02d}")]["p95"])
                     for op in range(12))  # fmt: skip
    confusion = Confusion(("a", "b", "c"), np.array([[40, 5, 1], [3, 30, 2], [1, 1, 20]]))
    return RunRecord(
        RunFacts(started.isoformat(timespec="seconds"), 0, 12.0, f"{index:040x}", "main"),
        stats,
        {},
        {("session", "accuracy", "intent"): confusion},
        verdicts,
        {("session", "latency", "op00"): {"TimeoutError": 4, "HTTP 503": 1}},
    )


def fill(where: str, runs: int) -> None:
    rng = np.random.default_rng(7)
    now = datetime.now(timezone.utc)
    with HistoryStore(where) as store:
        for index in range(runs):
            started = now - timedelta(days=14) + timedelta(days=14) * (index + 0.5) / runs
            store.add_run(a_run(index, started, rng))


def time_report(where: str, out: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = perf_counter()
        pages = ["--html", str(out / "week.html"), "--markdown", str(out / "week.md")]
        code = main(["history", "report", where, "--since", "7d", "--branch", "main", *pages])
        times.append(perf_counter() - start)
        if code != 0:
            raise SystemExit(f"the report failed on {where}")
    return statistics.median(times)


def main_benchmark() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        sqlite = str(out / "h.db")
        fill(sqlite, args.runs)
        results.append(("sqlite", time_report(sqlite, out, args.repeat)))
        try:
            from tests.history.pgserver import BIN, start_server
        except ImportError:
            BIN = Path("/nonexistent")
        if (BIN / "initdb").exists():
            server = start_server()
            try:
                url = server.url(server.new_database())
                fill(url, args.runs)
                results.append(("postgresql", time_report(url, out, args.repeat)))
            finally:
                server.stop()
    print(f"weekly report over {args.runs} runs (median of {args.repeat}), target < {TARGET_S} s")
    for backend, seconds in results:
        verdict = "PASS" if seconds < TARGET_S else "MISS"
        print(f"  {backend:<11} {seconds:7.3f} s  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main_benchmark())
