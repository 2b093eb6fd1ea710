"""Where a recording test's time goes: the payload's trip and the plugin's hooks, in process.

Whole-process timings (``bench_suite_overhead.py``) swing by 20% between identical runs on a
shared 2-core VM, more than the targets they test. This script measures the parts instead:

1. **The payload's trip**, for a one-sample test from an xdist worker to the controller:
   building it, the travel check, packing, execnet's serialization both ways (the packed bytes
   against the dict execnet would otherwise walk, as before payloads were packed) and decoding.
   Tight loops, rounds interleaved, medians of the rounds.
2. **The whole per-test cost**, in one warm interpreter: a generated suite run with
   ``pytest.main()`` again and again (the first round imports everything and is not counted),
   with the plugin, without it (``-p no:qametrics`` and a stand-in fixture), and with one of
   its hook receivers blocked (``-p no:qametrics-gatekeeper``: nothing is judged;
   ``-p no:qametrics-reruns``), whose difference to "with" is that receiver's share. Each
   round runs every variant once, in a rotating order; the figure is this process's CPU time.

Run ``python benchmarks/bench_per_test.py`` (``--quick`` for a smoke test, ``--json PATH`` to
keep the figures). There are no targets here: it explains the rows of the other scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import marshal
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import execnet.gateway_base as gateway_base
import pytest
from bench_suite_overhead import CONFTEST, PYTEST_INI, RECORDING_MODULE

from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.wire import decode_item, encode_item, pack_payload, travel_problem
from pytest_qametrics.slo.spec import specs_from_marker

# --- 1. the payload's trip ----------------------------------------------------------------------

NODEID = "tests/test_checkout.py::test_op[1234]"
GROUP = "tests/test_checkout.py::test_op"
SPECS = tuple(specs_from_marker((), {"p95": 1.0}, GROUP, NODEID))


def one_sample_payload() -> dict[str, Any]:
    """What a worker sends for a test that recorded one latency sample (specs declared)."""
    store = ItemStore()
    store.latency("op").ok.append(0.001)
    return encode_item(NODEID, (GROUP,), SPECS, "passed", 0.00012, store, declared=True)


def trip_cases() -> dict[str, Callable[[], object]]:
    payload = one_sample_payload()
    packed = pack_payload(payload)
    sent_dict = gateway_base.dumps_internal(payload)
    sent_packed = gateway_base.dumps_internal(packed)
    store = ItemStore()
    store.latency("op").ok.append(0.001)

    def build() -> object:
        return encode_item(NODEID, (GROUP,), SPECS, "passed", 0.00012, store, declared=True)

    return {
        "worker: build the payload (encode_item)": build,
        "worker: travel check": lambda: travel_problem(payload),
        "worker: pack (marshal)": lambda: pack_payload(payload),
        "execnet send, packed": lambda: gateway_base.dumps_internal(packed),
        "execnet send, dict (before)": lambda: gateway_base.dumps_internal(payload),
        "execnet receive, packed": lambda: gateway_base.loads_internal(sent_packed),
        "execnet receive, dict (before)": lambda: gateway_base.loads_internal(sent_dict),
        "controller: decode, packed": lambda: decode_item(packed, "gw0", declared=SPECS),
        "controller: decode, dict": lambda: decode_item(payload, "gw0", declared=SPECS),
        "(unpack alone: marshal.loads)": lambda: marshal.loads(packed),
    }


def time_case(case: Callable[[], object], iterations: int) -> float:
    """Microseconds per call of ``case`` over ``iterations`` calls."""
    start = time.perf_counter_ns()
    for _ in range(iterations):
        case()
    return (time.perf_counter_ns() - start) / iterations / 1000


def measure_trip(rounds: int, iterations: int) -> dict[str, float]:
    cases = trip_cases()
    names = list(cases)
    seen: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            seen[name].append(time_case(cases[name], iterations))
    return {name: statistics.median(values) for name, values in seen.items()}


# --- 2. the whole per-test cost -------------------------------------------------------------------

# the suite of bench_suite_overhead.py's recording rows, with its stand-in fixture
SUITE = RECORDING_MODULE

#: name -> extra pytest arguments
VARIANTS: dict[str, tuple[str, ...]] = {
    "with the plugin": (),
    "without (-p no:qametrics)": ("-p", "no:qametrics"),
    "gatekeeper blocked": ("-p", "no:qametrics-gatekeeper"),
    "rerun sorter blocked": ("-p", "no:qametrics-reruns"),
}
#: Other plugins of a development environment that this is not about (pytest-randomly
#: reorders tests and reseeds numpy around each one).
BASE_ARGS = ("-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:benchmark")


def run_suite(directory: Path, extra: tuple[str, ...]) -> float:
    """CPU seconds of one in-process pytest run of ``directory``."""
    previous = Path.cwd()
    os.chdir(directory)
    try:
        start = time.process_time()
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = pytest.main([*BASE_ARGS, *extra])
        spent = time.process_time() - start
    finally:
        os.chdir(previous)
    if code != 0:
        sys.exit(f"the suite failed with {extra}:\n{out.getvalue()[-2000:]}")
    return spent


def measure_suite(rounds: int, tests: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="qametrics-per-test-") as tmp:
        directory = Path(tmp)
        (directory / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        (directory / "conftest.py").write_text(CONFTEST, encoding="utf-8")
        (directory / "test_suite.py").write_text(SUITE.format(count=tests), encoding="utf-8")
        names = list(VARIANTS)
        spent: dict[str, list[float]] = {name: [] for name in names}
        for r in range(rounds + 1):  # round 0 warms up: imports, bytecode, caches
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                cpu = run_suite(directory, VARIANTS[name])
                if r:
                    spent[name].append(cpu)
        return spent


def per_test_table(spent: dict[str, list[float]], tests: int) -> list[str]:
    base = spent["without (-p no:qametrics)"]
    full = spent["with the plugin"]
    lines = [
        f"{'variant':27s} {'CPU median':>11s} {'min':>8s} {'max':>8s}"
        f" {'per test vs without':>20s} {'paired':>8s} {'share':>8s}"
    ]
    for name, values in spent.items():
        median = statistics.median(values)
        over = (median - statistics.median(base)) / tests * 1e6
        paired = statistics.median(a - b for a, b in zip(values, base, strict=True))
        share = ""
        if name not in ("with the plugin", "without (-p no:qametrics)"):
            gone = statistics.median(a - b for a, b in zip(full, values, strict=True))
            share = f"{gone / tests * 1e6:6.0f} us"
        lines.append(
            f"{name:27s} {median:10.3f}s {min(values):7.3f}s {max(values):7.3f}s"
            f" {over:17.0f} us {paired / tests * 1e6:5.0f} us {share:>8s}"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Few rounds: a smoke test.")
    parser.add_argument("--rounds", type=int, help="Rounds of each part (default 9, quick 2).")
    parser.add_argument("--tests", type=int, help="Tests of the suite (default 2000, quick 50).")
    parser.add_argument("--json", metavar="PATH", help="Also write the results to PATH.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 9)
    tests = args.tests or (50 if args.quick else 2000)
    iterations = 2_000 if args.quick else 50_000
    if rounds < 1 or tests < 1:
        sys.exit("--rounds and --tests must be at least 1")
    print("pytest-qametrics per-test cost breakdown")
    print(
        f"python {platform.python_version()}, pytest {pytest.__version__}, "
        f"os.cpu_count()={os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start"
    )
    print()
    print(f"1. a one-sample payload's trip ({rounds} rounds of {iterations:,} calls, medians)")
    trip = measure_trip(rounds, iterations)
    for name, micros in trip.items():
        print(f"   {name:40s} {micros:7.2f} us")
    print()
    print(f"2. a {tests}-test suite in this warm interpreter ({rounds} rounds; CPU time)")
    spent = measure_suite(rounds, tests)
    for line in per_test_table(spent, tests):
        print(f"   {line}")
    print("   (paired: the median of each round's difference to 'without'; share: what")
    print("   blocking that receiver saved against 'with', per test)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        data = {"python": platform.python_version(), "rounds": rounds, "tests": tests}
        data |= {"trip_us": trip, "suite_cpu_s": spent}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
