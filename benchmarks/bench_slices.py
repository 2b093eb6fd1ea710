"""Cost of judging a ``per="<tag>"`` SLO as the number of distinct tag values grows.

Run ``python benchmarks/bench_slices.py`` (``--quick`` for a smoke test of seconds). Each case
pools one latency sample per test, every test with its own ``region`` tag value, and times
``evaluate()`` of one ``p95 <= 1 s per="region"`` SLO over the whole pool: one verdict per
slice. Judging stays linear in the number of slices (an index per tag name is built once),
so the time per slice is flat; the target is 1e5 slices in under 10 s. It reports the median
of a few runs per size, and the time per slice. PASS/MISS against the target is information;
the exit status is 1 only when a result check fails (a verdict missing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from time import perf_counter

import numpy as np

from pytest_qametrics.judge.evaluation import evaluate
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.wire import ItemRecord, SeriesEntry
from pytest_qametrics.slo.spec import SloSpec

TARGET_SECONDS = 10.0


def population(slices: int) -> Population:
    """One test per slice, each recording one 10 ms sample tagged with its own region."""
    pool = Population()
    ok, fail = np.array([0.01]), np.empty(0)
    for i in range(slices):
        entry = SeriesEntry(("latency", "op", (("region", f"r{i}"),)), ok, fail, {})
        pool.add_member(ItemRecord(f"t::{i}", ("g",), (), "passed", 0.01, (entry,)))
    return pool


def judge(slices: int, runs: int) -> float:
    """The median seconds of ``evaluate()`` over ``slices`` slices (a fresh pool each run)."""
    spec = SloSpec("g", "latency", "p95", "<=", 1.0, per="region")
    times = []
    for _ in range(runs):
        pool = population(slices)
        start = perf_counter()
        verdicts = evaluate([spec], {"g": pool}, "nearest-rank")
        times.append(perf_counter() - start)
        if len(verdicts) != slices or any(v.status != "pass" for v in verdicts):
            raise SystemExit(f"{slices} slices gave {len(verdicts)} verdicts, not all pass")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes, one run each.")
    args = parser.parse_args()
    sizes = (1_000, 4_000) if args.quick else (1_000, 4_000, 8_000, 100_000)
    print(f"{'slices':>8} {'median s':>9} {'us/slice':>9}")
    for size in sizes:
        seconds = judge(size, 1 if args.quick or size > 10_000 else 3)
        print(f"{size:>8} {seconds:>9.2f} {seconds / size * 1e6:>9.1f}")
        if size == 100_000:
            print(
                f"target 1e5 slices < {TARGET_SECONDS:.0f} s: "
                f"{'PASS' if seconds < TARGET_SECONDS else 'MISS'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
