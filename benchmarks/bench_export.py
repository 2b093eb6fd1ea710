"""Cost of the Prometheus export at session end, excluding the network: 1,000 series and more.

Run ``python benchmarks/bench_export.py`` (``--quick`` for fewer repetitions, ``--json PATH`` to
keep the figures). Two runs built with the collector of ``bench_reports.py``:

- ``1k series``: one SLO group of 100 tests over 6 operations (2,000 latencies), so about
  1,000 exported time series (13 latency histograms of 64 series each, their gauges, the SLOs
  and the run facts). Target: under 200 ms (median) for the whole export.
- ``1k latency rows``: 100 groups, 10,000 tests, 1,100 latency rows in the report model, so
  about 78,000 exported time series (each histogram bucket is a series). Information only:
  prometheus_client formats every sample line in Python (about 20 us each here).

Per repetition, every step an export takes: the metric families (SLO gauges, latency
histograms with fixed buckets filled from the exact samples, p50/p95/p99 gauges, run facts),
the text exposition, which is the body a Pushgateway PUT sends (prometheus_client's
generate_latest, as push_to_gateway calls it; the HTTP round trip is left out), and the atomic
textfile. PASS/MISS is information; the exit status is 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).parent))

from bench_reports import make_collector

from pytest_qametrics.export import prometheus
from pytest_qametrics.export.families import metric_families, series_count
from pytest_qametrics.judge.evaluation import evaluate, gate_outcome
from pytest_qametrics.report.model import RunInfo, build_report

TARGET_S = 0.200


def measure(reps: int, groups: int, tests: int, operations: int) -> dict[str, object]:
    collector = make_collector(groups, tests, operations, 20)
    verdicts = evaluate(collector.specs, collector.scopes(), "nearest-rank")
    run = RunInfo("2024-06-01T00:00:00+00:00", 60.0, 0, "enforce", "9.0")
    report = build_report(verdicts, gate_outcome(verdicts, "fail"), collector, "nearest-rank", run)
    latency_rows = sum(1 for row in report["series"] if row["tracker"] == "latency")
    steps: dict[str, list[float]] = {k: [] for k in ("families", "text", "textfile", "total")}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "run.prom"
        for _ in range(reps):
            start = perf_counter()
            families, _ = metric_families(report, collector, 10_000)
            built = perf_counter()
            registry = prometheus.registry_of(families)
            body = prometheus.exposition(registry)  # what push_to_gateway sends
            texted = perf_counter()
            prometheus.write_textfile(path, body)
            done = perf_counter()
            steps["families"].append(built - start)
            steps["text"].append(texted - built)
            steps["textfile"].append(done - texted)
            steps["total"].append(done - start)
    medians = {k: statistics.median(v) for k, v in steps.items()}
    return {
        "latency_series": latency_rows,
        "exported_samples": series_count(families),
        "bytes": len(body),
        "median_s": medians,
        "target_s": TARGET_S,
        "verdict": "PASS" if medians["total"] < TARGET_S else "MISS",
    }


SIZES = {"1k series": (1, 100, 6), "1k latency rows": (100, 100, 5)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions, not 7")
    parser.add_argument("--json", type=Path, help="Write the figures to this file.")
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    everything = {}
    for size, (groups, tests, operations) in SIZES.items():
        figures = measure(reps, groups, tests, operations)
        everything[size] = figures
        medians = figures["median_s"]
        assert isinstance(medians, dict)
        print(
            f"{size}: {figures['latency_series']} latency rows, "
            f"{figures['exported_samples']} exported series, "
            f"{int(figures['bytes']) / 1e6:.2f} MB of text; median of {reps}:"
        )
        for step, seconds in medians.items():
            print(f"  {step:<9} {seconds * 1000:8.1f} ms")
        if size == "1k series":
            print(f"  target   {TARGET_S * 1000:8.0f} ms total: {figures['verdict']}")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
