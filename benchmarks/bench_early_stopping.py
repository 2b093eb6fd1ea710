"""Per-trial cost of early stopping: the confidence-sequence check the judging process runs.

Run ``python benchmarks/bench_early_stopping.py`` (``--quick`` for a smoke test of a second).
Three cases, each timed over many trials in rounds (the median round is reported):

- ``sequence``: one betting confidence sequence fed one 0/1 observation (``BettingSequence``);
- ``group``: a group with a ``pass_rate`` and a ``pass_hat_k`` (k=3) SLO fed one trial
  (``GroupWatch.add``: both sequences and the per-case tally);
- ``payload``: what the judging process does per arriving test payload of one trial
  (``StopWatcher.observe`` on a decoded record: find the evals entry, read its rows, feed the
  group, check the cost budget).

The target is under 50 us per trial. PASS/MISS is information; the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from time import perf_counter_ns

import numpy as np

from pytest_qametrics.judge.early import GroupWatch
from pytest_qametrics.samples.columns import ColumnEntry
from pytest_qametrics.samples.wire import ItemRecord
from pytest_qametrics.session.stopping import Board, StopWatcher
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.sequential import BettingSequence

TARGET_US = 50.0
SPECS = (
    SloSpec("agent", "evals", "pass_rate", ">=", 0.6, confidence=0.95, stop_early=True),
    SloSpec("agent", "evals", "pass_hat_k", ">=", 0.216, confidence=0.95, stop_early=True, k=3),
)


def outcomes(n: int) -> list[bool]:
    """Trials that pass 60% of the time: both SLOs sit at their thresholds (0.6, and 0.6^3
    for pass^3), so the sequences keep running (a decided group costs less)."""
    return (np.random.default_rng(1).random(n) < 0.6).tolist()


def sequence_case(n: int) -> int:
    sequence = BettingSequence(0.6, 0.95)
    values = [1.0 if x else 0.0 for x in outcomes(n)]
    start = perf_counter_ns()
    for x in values:
        sequence.add(x)
    return perf_counter_ns() - start


def group_case(n: int) -> int:
    watch = GroupWatch.of(SPECS)
    trials = outcomes(n)
    cases = [f"case{i % 50}" for i in range(n)]
    start = perf_counter_ns()
    for case, passed in zip(cases, trials, strict=True):
        watch.add(case, passed)
    return perf_counter_ns() - start


def payload_case(n: int) -> int:
    watcher = StopWatcher(Board(), session_budget=1e9)
    records = []
    for i, passed in enumerate(outcomes(n)):
        columns = {
            "case": np.array([0], dtype=np.int64),
            "passed": np.array([int(passed)], dtype=np.int64),
            "score": np.array([np.nan]),
        }
        entry = ColumnEntry(("evals", "default", ()), columns, [f"case{i % 50}"], [])
        cost = ColumnEntry(("metric", "cost_usd", ()), {"value": np.array([0.001])}, [], [])
        records.append(ItemRecord(f"t::{i}", ("agent",), SPECS, "passed", 0.1, (entry, cost)))
    start = perf_counter_ns()
    for record in records:
        watcher.observe(record)
    return perf_counter_ns() - start


CASES: dict[str, Callable[[int], int]] = {
    "sequence": sequence_case,
    "group": group_case,
    "payload": payload_case,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Few trials, three rounds.")
    args = parser.parse_args()
    trials, rounds = (2_000, 3) if args.quick else (20_000, 9)
    print(
        f"{'case':<10} {'median us/trial':>16} {'min':>8} {'max':>8}  target < {TARGET_US:.0f} us"
    )
    for name, case in CASES.items():
        per_trial = [case(trials) / trials / 1000 for _ in range(rounds)]
        median = statistics.median(per_trial)
        verdict = "PASS" if median < TARGET_US else "MISS"
        print(
            f"{name:<10} {median:>16.2f} {min(per_trial):>8.2f} {max(per_trial):>8.2f}  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
