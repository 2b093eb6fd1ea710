"""Cost of the confidence bounds behind SLO verdicts: quantiles, rates and bootstraps.

Run ``python benchmarks/bench_intervals.py`` (``--quick`` for a CI smoke test of seconds).
Cases: ``quantile_interval`` for p95/p99/p99.9 of 1e6 lognormal latencies including the sort,
``binomial_ppf`` at n = 1e6, ``wilson_interval`` at n = 1e9, ``bootstrap_mean_interval`` of
1e6 latencies, and the macro-F1 of 1e5 classifications into 8 classes bootstrapped two ways:
``bootstrap_interval`` over resampled item indices (a confusion matrix per resample by
``np.bincount``, O(n) each) and ``bootstrap_counts_interval`` (one multinomial draw of the 64
confusion cells per resample, O(classes^2) each, the same distribution). Fast cases report the
median of several runs; the two O(n * resamples) bootstraps run once, and with ``--quick`` run
a few resamples and are scaled up to 2,000 (marked "scaled"). PASS/MISS against the targets is
information; the exit status is 1 only when a result check fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

import pytest_qametrics
from pytest_qametrics.stats.intervals import (
    Interval,
    binomial_ppf,
    bootstrap_counts_interval,
    bootstrap_interval,
    bootstrap_mean_interval,
    quantile_interval,
    wilson_interval,
)
from pytest_qametrics.stats.percentiles import nearest_rank

CONFIDENCE = 0.95
RESAMPLES = 2000
LATENCIES = 1_000_000
CLASSIFICATIONS = 100_000
CLASSES = 8
SEED = 20261122


@dataclass
class Row:
    """One timed case: its median seconds, target and a check of what it computed."""

    case: str
    seconds: float
    runs: int
    target_s: float | None
    result: str
    check: bool = True
    scaled: bool = False

    @property
    def verdict(self) -> str:
        if self.target_s is None:
            return ""
        return "PASS" if self.seconds < self.target_s else "MISS"


def timed(func: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls of ``func`` and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = perf_counter()
        result = func()
        times.append(perf_counter() - start)
    return statistics.median(times), result


def show(interval: Interval, scale: float = 1.0, unit: str = "") -> str:
    return f"[{interval.low * scale:.4g}, {interval.high * scale:.4g}]{unit}"


# --- latency --------------------------------------------------------------------------------


def quantile_rows(latencies: np.ndarray, runs: int) -> list[Row]:
    def sort_and_bound() -> list[Interval]:
        ordered = np.sort(latencies)
        return [quantile_interval(ordered, p, CONFIDENCE) for p in (0.95, 0.99, 0.999)]

    seconds, intervals = timed(sort_and_bound, runs)
    ordered = np.sort(latencies)
    points = [float(ordered[nearest_rank(p, ordered.size) - 1]) for p in (0.95, 0.99, 0.999)]
    ok = all(i.low <= x <= i.high for i, x in zip(intervals, points, strict=True))
    text = ", ".join(show(i, 1e3, " ms") for i in intervals)
    return [Row("sort 1e6 + quantile_interval p95, p99, p99.9", seconds, runs, 1.0, text, ok)]


def ppf_and_wilson_rows(runs: int) -> list[Row]:
    ppf_s, k = timed(lambda: binomial_ppf(CONFIDENCE, 1_000_000, 0.5), runs * 20)
    wilson_s, w = timed(lambda: wilson_interval(950_000_000, 10**9, CONFIDENCE), runs * 200)
    return [
        Row(
            "binomial_ppf(0.95, n=1e6, p=0.5)", ppf_s, runs * 20, 0.005, f"k = {k:,}", k == 500_822
        ),
        Row(
            "wilson_interval(950e6 of n=1e9)",
            wilson_s,
            runs * 200,
            None,
            f"[{w.low:.6f}, {w.high:.6f}]",
            w.low < 0.95 < w.high,
        ),
    ]


def bootstrap_mean_row(latencies: np.ndarray, quick: bool) -> Row:
    resamples = 20 if quick else RESAMPLES
    seconds, interval = timed(
        lambda: bootstrap_mean_interval(latencies, CONFIDENCE, resamples=resamples), 1
    )
    ok = interval.low <= float(latencies.mean()) <= interval.high
    case = f"bootstrap_mean_interval, 1e6 samples, {RESAMPLES} resamples"
    scale = RESAMPLES / resamples
    return Row(case, seconds * scale, 1, 1.0, show(interval, 1e3, " ms"), ok, scale > 1)


# --- classification ---------------------------------------------------------------------------


def macro_f1(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 of (..., K, K) confusion matrices (rows: truth) over all K classes.

    A class absent from both truth and predictions scores 0 (sklearn would leave it out of the
    mean); every class is present in this data, so the point estimate equals sklearn's.
    """
    tp = np.diagonal(confusion, axis1=-2, axis2=-1).astype(np.float64)
    denominator = confusion.sum(axis=-1) + confusion.sum(axis=-2)  # 2 tp + fp + fn
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    mean: np.ndarray = f1.mean(axis=-1)
    return mean


def classifications() -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced truth over 8 classes and predictions that are right about 85% of the time."""
    rng = np.random.default_rng(SEED)
    priors = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.08, 0.05, 0.02])
    truth = rng.choice(CLASSES, size=CLASSIFICATIONS, p=priors)
    wrong = rng.integers(0, CLASSES, size=CLASSIFICATIONS)
    predicted = np.where(rng.random(CLASSIFICATIONS) < 0.85, truth, wrong)
    return truth, predicted


def f1_rows(quick: bool, runs: int) -> list[Row]:
    truth, predicted = classifications()
    cells = truth * CLASSES + predicted
    counts = np.bincount(cells, minlength=CLASSES**2)
    point = float(macro_f1(counts.reshape(CLASSES, CLASSES)))
    sklearn_ok = abs(point - f1_score(truth, predicted, average="macro")) < 1e-12

    def by_items(indices: np.ndarray) -> float:
        confusion = np.bincount(cells[indices], minlength=CLASSES**2)
        return float(macro_f1(confusion.reshape(CLASSES, CLASSES)))

    def by_counts(draws: np.ndarray) -> np.ndarray:
        return macro_f1(draws.reshape(-1, CLASSES, CLASSES))

    resamples = 100 if quick else RESAMPLES
    items_s, items = timed(
        lambda: bootstrap_interval(by_items, cells.size, CONFIDENCE, resamples=resamples), 1
    )
    counts_s, fast = timed(lambda: bootstrap_counts_interval(by_counts, counts, CONFIDENCE), runs)
    tolerance = 0.01 if quick else 0.002  # Monte Carlo noise of the quantiles of the replicates
    agree = abs(items.low - fast.low) < tolerance and abs(items.high - fast.high) < tolerance
    scale = RESAMPLES / resamples
    label = f"macro-F1 1e5 x {CLASSES} classes, {RESAMPLES} resamples"
    return [
        Row(f"{label}: bootstrap_interval (indices)", items_s * scale, 1, 1.0,
            f"{show(items)}, point {point:.4f}", sklearn_ok and items.low <= point <= items.high,
            scale > 1),
        Row(f"{label}: bootstrap_counts_interval", counts_s, runs, 1.0,
            f"{show(fast)}, agrees with indices: {agree}", agree),
    ]  # fmt: skip


# --- reporting --------------------------------------------------------------------------------


def table(rows: list[Row]) -> list[str]:
    cells = [("case", "time", "runs", "target", "", "result", "check")]
    for r in rows:
        time_text = f"{r.seconds * 1e3:.3f} ms" if r.seconds < 0.1 else f"{r.seconds:.2f} s"
        cells.append(
            (
                r.case,
                time_text + (" (scaled)" if r.scaled else ""),
                str(r.runs),
                "" if r.target_s is None else f"< {r.target_s * 1e3:g} ms",
                r.verdict,
                r.result,
                "ok" if r.check else "WRONG",
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Fewer runs, and the O(n * resamples) bootstraps scaled up from a few resamples.",
    )
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    print(f"pytest-qametrics {pytest_qametrics.__version__} interval benchmark")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"os.cpu_count()={os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start"
    )
    print(f"one-sided confidence {CONFIDENCE}; lognormal latencies, median 5 ms, sigma 1")
    print()
    latencies = np.random.default_rng(SEED).lognormal(np.log(0.005), 1.0, LATENCIES)
    rows = quantile_rows(latencies, runs) + ppf_and_wilson_rows(runs)
    rows += f1_rows(args.quick, runs)
    rows.append(bootstrap_mean_row(latencies, args.quick))
    for line in table(rows):
        print(line)
    return 0 if all(r.check for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
