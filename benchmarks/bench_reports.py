"""Cost and size of the reports of a large run: 1,000 series and 10,000 tests, every format.

Run ``python benchmarks/bench_reports.py`` (``--quick`` for a smaller smoke run, ``--json PATH``
to keep the figures). A synthetic collector is fed as the controller would be: 10,000 tests in
100 SLO groups (``p95 <= 50 ms`` each, plus two session SLOs), each test recording 20 lognormal
latencies into one of its group's 5 operations, so the model holds 500 session series and 500
group series (1,000 in all), each with its histogram and CDF, plus 10,000 per-test rows. The
model is built once per repetition; then report.json, slos.csv, series.csv and report.html are
rendered and written. Targets: every format rendered in under 2 s (median), the HTML under
5 MB. PASS/MISS is information: the exit status is 0 unless a report is malformed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

import numpy as np

from pytest_qametrics.judge.evaluation import evaluate, gate_outcome
from pytest_qametrics.report.files import render_csv, write_reports
from pytest_qametrics.report.html import render_html
from pytest_qametrics.report.model import RunInfo, build_report
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.wire import ItemRecord, SeriesEntry
from pytest_qametrics.slo.spec import SloSpec

RENDER_TARGET_S = 2.0
HTML_TARGET_BYTES = 5_000_000


def make_collector(groups: int, tests_per_group: int, operations: int, samples: int) -> Collector:
    """A controller's collector after ``groups * tests_per_group`` tests arrived."""
    session = [
        SloSpec("session", "latency", "p99", "<=", 0.2, declared_at="qametrics_slo line 1"),
        SloSpec("session", "latency", "error_rate", "<=", 0.01, declared_at="qametrics_slo 2"),
    ]
    collector = Collector(session)
    rng = np.random.default_rng(20240601)
    empty = np.empty(0, dtype=np.float64)
    for g in range(groups):
        group = f"tests/test_service_{g:03d}.py::test_endpoint"
        spec = SloSpec(group, "latency", "p95", "<=", 0.05, declared_at=f"@slo on {group}")
        for t in range(tests_per_group):
            nodeid = f"{group}[case-{t}]"
            operation = f"svc{g:03d}.op{t % operations}"
            values = rng.lognormal(np.log(0.01), 0.6, samples)
            entry = SeriesEntry(("latency", operation, ()), values, empty, {})
            record = ItemRecord(nodeid, (group,), (spec,), "passed", 0.001, (entry,))
            location = (f"tests/test_service_{g:03d}.py", 12, "test_endpoint")
            for when in ("setup", "call", "teardown"):
                collector.add_test_phase(when, "passed", 0.001)
                worker = f"gw{t % 8}"
                collector.tests.phase(nodeid, when, "passed", 0.001, worker, location)
                if when == "setup":
                    collector.declare(nodeid, (spec,))
            collector.add_record(record, f"gw{t % 8}")
    return collector


def measure(collector: Collector, reps: int) -> dict[str, list[float]]:
    """Seconds per step over ``reps`` repetitions, and the sizes of the files."""
    times: dict[str, list[float]] = {k: [] for k in ("model", "json", "csv", "html", "written")}
    verdicts = evaluate(collector.specs, collector.scopes(), "nearest-rank")
    outcome = gate_outcome(verdicts, "fail")
    run = RunInfo("2024-06-01T00:00:00+00:00", 60.0, 0, "enforce", "9.0", git_commit=None)
    for _ in range(reps):
        start = perf_counter()
        report = build_report(verdicts, outcome, collector, "nearest-rank", run)
        times["model"].append(perf_counter() - start)
        start = perf_counter()
        json.dumps(report, indent=2, allow_nan=False)
        times["json"].append(perf_counter() - start)
        start = perf_counter()
        render_csv(report)
        times["csv"].append(perf_counter() - start)
        start = perf_counter()
        render_html(report)
        times["html"].append(perf_counter() - start)
        with tempfile.TemporaryDirectory() as directory:
            start = perf_counter()
            paths = write_reports(report, Path(directory), ("html", "json", "csv"))
            times["written"].append(perf_counter() - start)
            sizes = {path.name: path.stat().st_size for path in paths}
    times["sizes"] = [float(sizes[name]) for name in sorted(sizes)]
    times["names"] = []
    print(f"model: {len(report['series'])} series, {len(report['tests'])} tests, ", end="")
    print(f"{len(report['slos'])} SLOs")
    for name in sorted(sizes):
        print(f"  {name:<12} {sizes[name] / 1e6:8.2f} MB")
    times["html_bytes"] = [float(sizes["report.html"])]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of the size, 2 repetitions.")
    parser.add_argument("--reps", type=int, help="Repetitions (default 5, quick 2).")
    parser.add_argument("--json", type=Path, help="Write the figures to this file.")
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)
    groups = 10 if args.quick else 100
    collector = make_collector(groups, 100, 5, 20)
    times = measure(collector, reps)
    print(f"\n{'step':<34} {'median':>9} {'min':>9}")
    rows = [
        ("build the model (build_report)", "model"),
        ("report.json (json.dumps)", "json"),
        ("slos.csv + series.csv", "csv"),
        ("report.html (jinja2 + SVG)", "html"),
        ("all formats rendered and written", "written"),
    ]
    for label, key in rows:
        values = times[key]
        print(f"{label:<34} {statistics.median(values):8.3f}s {min(values):8.3f}s")
    render = statistics.median(times["written"])
    html_bytes = times["html_bytes"][0]
    if args.quick:
        print("\n--quick: the targets apply to the full size only")
    else:
        within = render < RENDER_TARGET_S
        small = html_bytes < HTML_TARGET_BYTES
        print(
            f"\nall formats in {render:.2f} s (target < {RENDER_TARGET_S} s): "
            f"{'PASS' if within else 'MISS'}"
        )
        print(
            f"report.html {html_bytes / 1e6:.2f} MB (target < {HTML_TARGET_BYTES / 1e6:.0f} MB): "
            f"{'PASS' if small else 'MISS'}"
        )
    if args.json:
        args.json.write_text(json.dumps(times, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
