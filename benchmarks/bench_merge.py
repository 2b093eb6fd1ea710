"""Controller-side cost of merging xdist payloads and evaluating SLOs, plus the worker's encode.

Run ``python benchmarks/bench_merge.py`` (``--quick`` for a CI smoke test of a few seconds,
``--json PATH`` to keep the figures). W simulated workers each produce per-test payloads
exactly as the plugin does: an ``ItemStore`` whose ``latency("op").ok`` holds lognormal
durations (median 5 ms, sigma 1), encoded with ``wire.encode_item`` for one SLO
``p95 <= 50 ms`` of group ``g``. The "controller" then runs, per repetition and on a fresh
``Collector``, ``decode_item`` + ``Collector.add_record`` for every payload (workers
interleaved, as they arrive) and ``evaluate(collector.specs, collector.scopes(), ...)``.
Each scenario is also run with the controller's exact cap lowered to 100,000 so the pooled
series fold into the log histogram. The verdict's n and p95 are checked against numpy.
PASS/MISS against the targets is information: the exit status is 0 unless a check fails.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import sys
from dataclasses import asdict, dataclass, field
from time import perf_counter_ns
from typing import Any

import execnet
import numpy as np

import pytest_qametrics
from pytest_qametrics.judge.evaluation import evaluate
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.wire import decode_item, encode_item
from pytest_qametrics.session.recorder import REPORT_ATTRIBUTE
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.digest import DEFAULT_EXACT_CAP
from pytest_qametrics.stats.loghist import RELATIVE_ERROR
from pytest_qametrics.stats.percentiles import nearest_rank

SPEC = SloSpec(scope="g", tracker="latency", statistic="p95", comparison="<=", threshold=0.05)
LOWERED_CAP = 100_000
MEDIAN_S = 0.005
SIGMA = 1.0


@dataclass(frozen=True)
class Scenario:
    """W workers x P payloads x S samples, judged against a target on the median total."""

    key: str
    workers: int
    payloads: int
    samples: int
    target_ms: float | None

    @property
    def total(self) -> int:
        return self.workers * self.payloads * self.samples

    def label(self, cap: int) -> str:
        per_worker = self.payloads * self.samples
        cap_text = "default cap" if cap == DEFAULT_EXACT_CAP else f"cap={cap:,}"
        return (
            f"{self.workers} x {per_worker:,} ({self.workers}x{self.payloads} payloads "
            f"of {self.samples:,}), {cap_text}"
        )


@dataclass
class Result:
    """The controller-side figures of one scenario and cap over all repetitions."""

    label: str
    scenario: str
    cap: int
    payloads: int
    samples: int
    decode_ms: list[float] = field(default_factory=list)
    add_ms: list[float] = field(default_factory=list)
    evaluate_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    median_ms: float = 0.0
    target_ms: float | None = None
    verdict: str = ""
    n: int = 0
    p95: float = 0.0
    p95_exact: float = 0.0
    relative_error: float = 0.0
    check: str = ""


# --- building the payloads (worker side) -------------------------------------------------------


def make_payloads(
    scenario: Scenario, seed: int = 20240601
) -> tuple[list[list[dict[str, Any]]], np.ndarray, list[float]]:
    """Return each worker's payloads, every sample (for the check), and encode times in us."""
    rng = np.random.default_rng(seed)
    workers: list[list[dict[str, Any]]] = []
    chunks: list[np.ndarray] = []
    encode_us: list[float] = []
    for w in range(scenario.workers):
        values = rng.lognormal(np.log(MEDIAN_S), SIGMA, scenario.payloads * scenario.samples)
        chunks.append(values)
        payloads = []
        for i in range(scenario.payloads):
            store = ItemStore()
            part = values[i * scenario.samples : (i + 1) * scenario.samples]
            store.latency("op").ok.frombytes(part.astype("<f8").tobytes())
            start = perf_counter_ns()
            payload = encode_item(
                f"tests/test_w{w}.py::test_op[{i}]", ("g",), (SPEC,), "passed", 0.01, store
            )
            encode_us.append((perf_counter_ns() - start) / 1e3)
            payloads.append(payload)
        workers.append(payloads)
    return workers, np.concatenate(chunks), encode_us


def arrival_order(workers: list[list[dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Interleave the workers' payloads round-robin, as they reach the controller."""
    order = []
    for i in range(max(len(p) for p in workers)):
        for w, payloads in enumerate(workers):
            if i < len(payloads):
                order.append((f"gw{w}", payloads[i]))
    return order


# --- the controller side -----------------------------------------------------------------------


def controller_once(
    order: list[tuple[str, dict[str, Any]]], cap: int
) -> tuple[float, float, float, Any]:
    """Decode and pool every payload, then evaluate; return the three phases in ms and verdict."""
    collector = Collector([], cap=cap)
    t0 = perf_counter_ns()
    records = [(decode_item(payload, worker), worker) for worker, payload in order]
    t1 = perf_counter_ns()
    for record, worker in records:
        collector.add_record(record, worker)
    t2 = perf_counter_ns()
    verdicts = evaluate(collector.specs, collector.scopes(), "nearest-rank")
    t3 = perf_counter_ns()
    return (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, verdicts


def run_controller(
    scenario: Scenario,
    cap: int,
    order: list[tuple[str, dict[str, Any]]],
    exact_p95: float,
    reps: int,
) -> Result:
    result = Result(
        scenario.label(cap),
        scenario.key,
        cap,
        len(order),
        scenario.total,
        target_ms=scenario.target_ms,
    )
    verdicts: Any = None
    for _ in range(reps):
        gc.collect()  # garbage of the previous repetition is not this one's cost
        decode, add, judge, verdicts = controller_once(order, cap)
        result.decode_ms.append(decode)
        result.add_ms.append(add)
        result.evaluate_ms.append(judge)
        result.total_ms.append(decode + add + judge)
    result.median_ms = statistics.median(result.total_ms)
    if scenario.target_ms is not None:
        result.verdict = "PASS" if result.median_ms < scenario.target_ms else "MISS"
    (verdict,) = verdicts
    result.n = verdict.n
    result.p95 = verdict.observed
    result.p95_exact = exact_p95
    result.relative_error = verdict.relative_error
    error = abs(verdict.observed - exact_p95) / exact_p95
    allowed = verdict.relative_error + 1e-12
    ok = verdict.n == scenario.total and verdict.status == "pass" and error <= allowed
    result.check = (
        f"{'ok' if ok else 'WRONG'} (err {error:.3%}, bound {verdict.relative_error:.1%})"
    )
    return result


def profile_controller(order: list[tuple[str, dict[str, Any]]], cap: int, top: int) -> list[str]:
    """One more controller pass under cProfile: the functions with the most own time."""
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    controller_once(order, cap)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.replace(os.getcwd() + os.sep, "") for line in lines[start:] if line.strip()]


# --- execnet -----------------------------------------------------------------------------------


@dataclass
class WireResult:
    """The execnet (and pytest report) serialisation of one payload."""

    label: str
    samples: int
    raw_bytes: int
    wire_bytes: int
    dumps_us: float
    loads_us: float
    arrives_as: str


def time_us(func: Any, arg: Any, loops: int) -> float:
    """Median over ``loops`` calls of ``func(arg)`` in microseconds, after a warm-up."""
    for _ in range(max(loops // 10, 3)):
        func(arg)
    times = []
    for _ in range(loops):
        start = perf_counter_ns()
        func(arg)
        times.append((perf_counter_ns() - start) / 1e3)
    return statistics.median(times)


def measure_execnet(payload: dict[str, Any], samples: int, loops: int) -> list[WireResult]:
    """Serialise one payload with execnet, and through pytest's report JSON as xdist does."""
    from execnet.gateway_base import dumps, loads

    raw = len(payload["series"][0]["ok"])
    blob = dumps(payload)
    back = loads(blob)
    arrived = type(back["series"][0]["ok"]).__name__
    if back != payload:
        raise SystemExit("execnet round trip changed the payload")
    results = [
        WireResult(
            f"execnet dumps/loads, payload of {samples:,}",
            samples,
            raw,
            len(blob),
            time_us(dumps, payload, loops),
            time_us(loads, blob, loops),
            arrived,
        )
    ]
    try:  # the real path: xdist sends TestReport._to_json() (private pytest API) over execnet
        from _pytest.reports import TestReport

        report = TestReport(
            "tests/test_w0.py::test_op[0]",
            ("tests/test_w0.py", 1, "test_op[0]"),
            {},
            "passed",
            None,
            "teardown",
            **{REPORT_ATTRIBUTE: payload},
        )

        def send(rep: TestReport) -> bytes:
            return dumps(rep._to_json())

        def receive(data: bytes) -> TestReport:
            return TestReport._from_json(loads(data))

        sent = send(report)
        got = getattr(receive(sent), REPORT_ATTRIBUTE)
        if got != payload:
            raise SystemExit("pytest report round trip changed the payload")
        results.append(
            WireResult(
                f"TestReport._to_json + dumps / loads + _from_json, {samples:,}",
                samples,
                raw,
                len(sent),
                time_us(send, report, loops),
                time_us(receive, sent, loops),
                type(got["series"][0]["ok"]).__name__,
            )
        )
    except (ImportError, AttributeError, TypeError) as err:  # pragma: no cover - pytest internals
        print(f"(pytest report round trip not measured: {err!r})")
    return results


# --- reporting ---------------------------------------------------------------------------------


def render(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Align ``rows`` (the first is the header) into text lines."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return lines


def controller_table(results: list[Result]) -> list[str]:
    rows: list[tuple[str, ...]] = [
        (
            "controller: decode + add_record + evaluate",
            "decode",
            "add",
            "evaluate",
            "total",
            "min",
            "max",
            "target",
            "",
            "n",
            "p95",
            "check",
        )
    ]
    for r in results:
        rows.append(
            (
                r.label,
                f"{statistics.median(r.decode_ms):.1f} ms",
                f"{statistics.median(r.add_ms):.1f} ms",
                f"{statistics.median(r.evaluate_ms):.1f} ms",
                f"{r.median_ms:.1f} ms",
                f"{min(r.total_ms):.1f} ms",
                f"{max(r.total_ms):.1f} ms",
                "" if r.target_ms is None else f"< {r.target_ms:g} ms",
                r.verdict,
                f"{r.n:,}",
                f"{r.p95 * 1e3:.3f} ms",
                r.check,
            )
        )
    return render(rows, {1, 2, 3, 4, 5, 6, 9, 10})


def encode_table(encodes: dict[str, tuple[int, list[float]]]) -> list[str]:
    rows: list[tuple[str, ...]] = [
        ("worker: encode_item per payload", "median", "min", "max", "per sample")
    ]
    for label, (samples, times) in encodes.items():
        median = statistics.median(times)
        rows.append(
            (
                label,
                f"{median:.1f} us",
                f"{min(times):.1f} us",
                f"{max(times):.1f} us",
                f"{median * 1e3 / samples:.2f} ns",
            )
        )
    return render(rows, {1, 2, 3, 4})


def wire_table(results: list[WireResult]) -> list[str]:
    rows: list[tuple[str, ...]] = [
        (
            "serialisation of one payload",
            "samples",
            "raw",
            "on the wire",
            "overhead",
            "send",
            "receive",
            "arrives as",
        )
    ]
    for r in results:
        rows.append(
            (
                r.label,
                f"{r.samples:,}",
                f"{r.raw_bytes:,} B",
                f"{r.wire_bytes:,} B",
                f"+{r.wire_bytes - r.raw_bytes:,} B",
                f"{r.dumps_us:.1f} us",
                f"{r.loads_us:.1f} us",
                r.arrives_as,
            )
        )
    return render(rows, {1, 2, 3, 4, 5, 6})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 repetitions, and the 8 x 1e6 scenario cut to 8 x 250k: a smoke test of seconds.",
    )
    parser.add_argument("--reps", type=int, help="Repetitions per scenario (default 5, quick 2).")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="After timing, profile one controller pass of each case (cProfile, by own time).",
    )
    parser.add_argument("--json", metavar="PATH", help="Also write the results to PATH as JSON.")
    return parser.parse_args(argv)


def scenarios(quick: bool) -> list[Scenario]:
    small = Scenario("8x125k", 8, 100, 1_250, 50.0)
    if quick:  # the large case scaled down: its target does not apply
        return [small, Scenario("8x250k (quick)", 8, 25, 10_000, None)]
    return [small, Scenario("8x1e6", 8, 100, 10_000, 1000.0)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)
    if reps < 1:
        sys.exit("--reps must be at least 1")
    print(f"pytest-qametrics {pytest_qametrics.__version__} merge + evaluation benchmark")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, execnet "
        f"{execnet.__version__}, os.cpu_count()={os.cpu_count()}, {platform.machine()}"
    )
    print(
        f"lognormal samples (median {MEDIAN_S * 1e3:g} ms, sigma {SIGMA:g}); SLO g: p95 <= 50 ms; "
        f"median of {reps} repetitions, gc on, fresh Collector each time"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at start (noisy when above the core count)")
    print()
    results: list[Result] = []
    encodes: dict[str, tuple[int, list[float]]] = {}
    wires: list[WireResult] = []
    profiles: list[str] = []
    for scenario in scenarios(args.quick):
        workers, values, encode_us = make_payloads(scenario)
        encodes[f"payload of {scenario.samples:,} samples ({len(encode_us)} payloads)"] = (
            scenario.samples,
            encode_us,
        )
        wires.extend(measure_execnet(workers[0][0], scenario.samples, 50 if args.quick else 200))
        order = arrival_order(workers)
        exact_p95 = float(np.sort(values)[nearest_rank(0.95, values.size) - 1])
        del values
        for cap in (DEFAULT_EXACT_CAP, LOWERED_CAP):
            results.append(run_controller(scenario, cap, order, exact_p95, reps))
            if args.profile:
                profiles += ["", f"cProfile, one controller pass: {results[-1].label}"]
                profiles += profile_controller(order, cap, 12)
        del workers, order
    for line in controller_table(results):
        print(line)
    print()
    for line in encode_table(encodes):
        print(line)
    print()
    for line in wire_table(wires):
        print(line)
    print()
    if profiles:
        for line in profiles[1:]:
            print(line)
        print()
    misses = [r.label for r in results if r.verdict == "MISS"]
    wrong = [r.label for r in results if not r.check.startswith("ok")]
    print(f"targets missed: {'; '.join(misses)}" if misses else "all targets met")
    print(f"histogram bound used for folded series: {RELATIVE_ERROR:.1%}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        data = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "execnet": execnet.__version__,
            "cpu_count": os.cpu_count(),
            "pytest_qametrics": pytest_qametrics.__version__,
            "reps": reps,
            "controller": [asdict(r) for r in results],
            "encode_us": {k: {"samples": s, "times": t} for k, (s, t) in encodes.items()},
            "wire": [asdict(w) for w in wires],
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        print(f"results written to {args.json}")
    if wrong:
        print(f"CHECK FAILED: {'; '.join(wrong)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
