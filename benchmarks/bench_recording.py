"""Per-sample cost of recording latency samples, measured in one run with interleaved rounds.

Run ``python benchmarks/bench_recording.py`` (``--quick`` for a CI smoke test, ``--json PATH``
to keep the figures). Every round times every case once, in a rotating order, so the noise of
a shared VM hits all cases alike; the table reports each case's median over the rounds and its
ratio to the floor (two ``perf_counter_ns()`` calls and a list append). Costs include the
``for`` loop (about 20 ns here). The garbage collector is off while a case runs, as in timeit.
PASS/MISS against the targets is information: the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from time import perf_counter_ns
from typing import Any

import numpy as np

import pytest_qametrics
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.trackers.latency import LatencyTracker
from pytest_qametrics.trackers.timing import recording_target, timed

#: A case takes an iteration count and returns the nanoseconds its loop took.
Case = Callable[[int], int]

MEASURE_MAX_RATIO = 3.0
RECORD_MAX_NS = 200.0
STATS_MAX_MS = 100.0
STATS_SAMPLES = 1_000_000


# --- the cases --------------------------------------------------------------------------------
# Each loop is written out in full (no shared helper calling a lambda) so that the only
# per-iteration work is the code under test.


def case_floor(n: int) -> int:
    out: list[int] = []
    ap = out.append
    pc = perf_counter_ns
    start = pc()
    for _ in range(n):
        t0 = pc()
        t1 = pc()
        ap(t1 - t0)
    return pc() - start


def case_empty_loop(n: int) -> int:
    start = perf_counter_ns()
    for _ in range(n):
        pass
    return perf_counter_ns() - start


class _RecordSignature:
    """An empty method with ``LatencyTracker.record``'s signature: the floor of calling it."""

    def record(
        self,
        operation: str,
        seconds: float,
        *,
        success: bool = True,
        error: str | None = None,
        **tags: Any,
    ) -> None:
        pass


def case_empty_record_method(n: int) -> int:
    obj = _RecordSignature()
    start = perf_counter_ns()
    for _ in range(n):
        obj.record("op", 0.001)
    return perf_counter_ns() - start


def case_measure(n: int) -> int:
    tracker = LatencyTracker(ItemStore())
    start = perf_counter_ns()
    for _ in range(n):
        with tracker.measure("op"):
            pass
    return perf_counter_ns() - start


def case_record(n: int) -> int:
    tracker = LatencyTracker(ItemStore())
    start = perf_counter_ns()
    for _ in range(n):
        tracker.record("op", 0.001)
    return perf_counter_ns() - start


def case_record_tag(n: int) -> int:
    tracker = LatencyTracker(ItemStore())
    start = perf_counter_ns()
    for _ in range(n):
        tracker.record("op", 0.001, region="eu")
    return perf_counter_ns() - start


def case_timed_block(n: int) -> int:
    previous = recording_target.swap(ItemStore())
    try:
        start = perf_counter_ns()
        for _ in range(n):
            with timed("op"):
                pass
        return perf_counter_ns() - start
    finally:
        recording_target.swap(previous)


def case_timed_decorator(n: int) -> int:
    @timed("op")
    def trivial() -> None:
        pass

    previous = recording_target.swap(ItemStore())
    try:
        start = perf_counter_ns()
        for _ in range(n):
            trivial()
        return perf_counter_ns() - start
    finally:
        recording_target.swap(previous)


def case_timed_no_test(n: int) -> int:
    previous = recording_target.swap(None)
    try:
        start = perf_counter_ns()
        for _ in range(n):
            with timed("op"):
                pass
        return perf_counter_ns() - start
    finally:
        recording_target.swap(previous)


def case_timed_decorator_no_test(n: int) -> int:
    @timed("op")
    def trivial() -> None:
        pass

    previous = recording_target.swap(None)
    try:
        start = perf_counter_ns()
        for _ in range(n):
            trivial()
        return perf_counter_ns() - start
    finally:
        recording_target.swap(previous)


@dataclass(frozen=True)
class Spec:
    """One per-sample case: its label, its loop, and its target if the issue sets one."""

    key: str
    label: str
    run: Case
    target: str = ""
    check: Callable[[float, float], bool] | None = None  # (median_ns, ratio) -> met


CASES: tuple[Spec, ...] = (
    Spec("floor", "floor: 2x perf_counter_ns + list.append", case_floor),
    Spec(
        "measure",
        "with tracker.measure('op')",
        case_measure,
        f"<= {MEASURE_MAX_RATIO}x floor",
        lambda _ns, ratio: ratio <= MEASURE_MAX_RATIO,
    ),
    Spec(
        "record",
        "tracker.record('op', 0.001)",
        case_record,
        f"<= {RECORD_MAX_NS / 1000:.2f} us",
        lambda ns, _ratio: ns <= RECORD_MAX_NS,
    ),
    Spec("record_tag", "tracker.record(..., region='eu')", case_record_tag),
    Spec("timed_block", "with timed('op'), test active", case_timed_block),
    Spec("timed_decorator", "@timed('op') trivial(), test active", case_timed_decorator),
    Spec("timed_no_test", "with timed('op'), no test (no-op)", case_timed_no_test),
    Spec("timed_deco_no_test", "@timed('op') trivial(), no test", case_timed_decorator_no_test),
    Spec("ref_loop", "ref: empty for loop", case_empty_loop),
    Spec("ref_method", "ref: empty method, record() signature", case_empty_record_method),
)


# --- stats() ----------------------------------------------------------------------------------


def stats_tracker(samples: int) -> LatencyTracker:
    """Return a tracker holding ``samples`` lognormal durations (median 5 ms) for 'op'."""
    store = ItemStore()
    values = np.random.default_rng(12345).lognormal(np.log(0.005), 1.0, samples)
    store.latency("op").ok.frombytes(values.astype("<f8").tobytes())
    return LatencyTracker(store)


def time_stats(tracker: LatencyTracker) -> float:
    """Return the milliseconds one ``tracker.stats()`` call takes."""
    start = perf_counter_ns()
    tracker.stats()
    return (perf_counter_ns() - start) / 1e6


# --- running and reporting --------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one case over all rounds."""

    key: str
    label: str
    unit: str
    samples: list[float] = field(default_factory=list)
    median: float = 0.0
    ratio: float | None = None
    target: str = ""
    verdict: str = ""


def timed_run(case: Case, iterations: int) -> float:
    """Run ``case`` once with the collector off and return nanoseconds per iteration."""
    gc.collect()
    gc.disable()
    try:
        return case(iterations) / iterations
    finally:
        gc.enable()


def run(rounds: int, iterations: int, stats_samples: int) -> list[Result]:
    """Time every case once per round, rotating the order, then summarise each case."""
    results = {spec.key: Result(spec.key, spec.label, "ns/sample") for spec in CASES}
    stats = Result("stats", f"tracker.stats() over {stats_samples:,} samples", "ms/call")
    tracker = stats_tracker(stats_samples)
    tracker.stats()  # warm-up: first-call imports and allocations
    for spec in CASES:  # warm-up: code objects, array growth, caches
        timed_run(spec.run, max(iterations // 20, 1000))
    for index in range(rounds):
        shift = index % len(CASES)
        for spec in CASES[shift:] + CASES[:shift]:
            results[spec.key].samples.append(timed_run(spec.run, iterations))
        stats.samples.append(time_stats(tracker))
    return judge([*results.values(), stats])


def judge(results: list[Result]) -> list[Result]:
    """Fill in medians, ratios to the floor and the PASS/MISS verdicts."""
    for result in results:
        result.median = statistics.median(result.samples)
    floor = results[0].median
    specs = {spec.key: spec for spec in CASES}
    for result in results:
        spec = specs.get(result.key)
        if spec is None:  # stats()
            result.target = f"< {STATS_MAX_MS:g} ms"
            result.verdict = "PASS" if result.median < STATS_MAX_MS else "MISS"
            continue
        result.ratio = result.median / floor
        result.target = spec.target
        if spec.check is not None:
            result.verdict = "PASS" if spec.check(result.median, result.ratio) else "MISS"
    return results


def header(rounds: int, iterations: int) -> list[str]:
    """Return the lines that say where and how the figures were taken."""
    return [
        f"pytest-qametrics {pytest_qametrics.__version__} recording benchmark",
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"numpy {np.__version__}, os.cpu_count()={os.cpu_count()}, {platform.machine()}",
        f"{rounds} interleaved rounds x {iterations:,} iterations per case; "
        "median over rounds, loop overhead included, gc off while timing",
        f"load average at start: {load_average()} (other work on the machine inflates the "
        "absolute figures; the ratios to the floor suffer less)",
    ]


def load_average() -> str:
    """Return the 1-minute load average, or 'unknown' where the OS does not report it."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


def table(results: list[Result]) -> list[str]:
    """Return the results as an aligned text table."""
    rows = [("case", "median", "min", "max", "x floor", "target", "")]
    for r in results:
        fmt = "{:.0f} ns" if r.unit == "ns/sample" else "{:.1f} ms"
        rows.append(
            (
                r.label,
                fmt.format(r.median),
                fmt.format(min(r.samples)),
                fmt.format(max(r.samples)),
                "" if r.ratio is None else f"{r.ratio:.2f}x",
                r.target,
                r.verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:4], widths[1:4], strict=True)
        ]
        cells += [row[4].rjust(widths[4]), row[5].ljust(widths[5]), row[6]]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return lines


def to_json(results: list[Result], rounds: int, iterations: int) -> dict[str, Any]:
    """Return the figures and the environment as a JSON-ready dict."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_at_end": load_average(),
        "pytest_qametrics": pytest_qametrics.__version__,
        "rounds": rounds,
        "iterations": iterations,
        "results": [asdict(r) for r in results],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Few rounds and iterations: a smoke test of seconds."
    )
    parser.add_argument("--rounds", type=int, help="Interleaved rounds (default 9, quick 3).")
    parser.add_argument(
        "--iterations",
        type=int,
        help="Iterations per case per round (default 200000, quick 20000).",
    )
    parser.add_argument("--json", metavar="PATH", help="Also write the results to PATH as JSON.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 9)
    iterations = args.iterations or (20_000 if args.quick else 200_000)
    if rounds < 1 or iterations < 1:
        sys.exit("--rounds and --iterations must be at least 1")
    for line in header(rounds, iterations):
        print(line)
    print()
    results = run(rounds, iterations, STATS_SAMPLES)
    for line in table(results):
        print(line)
    misses = [r.key for r in results if r.verdict == "MISS"]
    print()
    print(f"targets missed: {', '.join(misses)}" if misses else "all targets met")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(to_json(results, rounds, iterations), fh, indent=2)
            fh.write("\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
