"""pytest-randomly: a shuffled run judges the same samples as the run in written order."""

from __future__ import annotations

from typing import Any

import pytest

from .peers import read_report, write_ini

# Values come from each case's own generator, not from the global one pytest-randomly reseeds;
# every group spans files, classes and parameters, so shuffling changes its order of arrival.
SHOP = """
import random

import pytest

def latencies(seed, count=12):
    rng = random.Random(seed)
    return [rng.uniform(0.02, 0.9) for _ in range(count)]

@pytest.mark.slo(group="checkout", p95=0.85, mean=0.5, max=1.0)
@pytest.mark.parametrize("case", range(8))
def test_checkout(case, latency_tracker):
    for seconds in latencies(case):
        latency_tracker.record("checkout", seconds)
    if case % 3 == 0:
        latency_tracker.record("checkout", 1.5, ok=False, error="TimeoutError")

class TestSearch:
    @pytest.mark.slo(p90=0.9, error_rate=0.2)
    @pytest.mark.parametrize("case", range(6))
    def test_search(self, case, latency_tracker):
        for seconds in latencies(100 + case, 5):
            latency_tracker.record("search", seconds)

@pytest.mark.slo(accuracy=0.6, f1=0.5)
@pytest.mark.parametrize("case", range(10))
def test_intent(case, accuracy_tracker):
    labels = ["refund", "order", "other"]
    accuracy_tracker.record(predicted=labels[case % 3], actual=labels[(case * 7) % 3])
"""

MORE = """
import random

import pytest

@pytest.mark.slo(group="checkout", p95=0.85, mean=0.5, max=1.0)
@pytest.mark.parametrize("case", range(5))
def test_checkout_again(case, latency_tracker):
    rng = random.Random(1000 + case)
    for _ in range(7):
        latency_tracker.record("checkout", rng.uniform(0.02, 0.9))
"""

SESSION_SLOS = (
    "qametrics_slo =",
    "    latency.p99 <= 2s",
    "    latency[operation=search].mean <= 500ms",
    "    accuracy.accuracy >= 0.3",
)


def judged(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a run decided: every SLO with its observed value, n and verdict, in one order."""
    rows = [
        (
            s["scope"],
            s["tracker"],
            s["statistic"],
            s["operation"],
            s["observed"],
            s["n"],
            s["verdict"],
        )
        for s in report["slos"]
    ]
    return sorted(rows, key=repr)


def series(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every series' statistics, in one order."""
    rows = [
        (s["scope"], s["tracker"], s["name"], sorted(s["statistics"].items()))
        for s in report["series"]
    ]
    return sorted(rows, key=repr)


def ran_in(result: pytest.RunResult) -> list[str]:
    """The node ids of a serial ``-v`` run in the order they ran."""
    return [line.split(" ")[0] for line in result.outlines if line.endswith("]") and "::" in line]


@pytest.mark.parametrize(
    "shuffle",
    [
        pytest.param(("-p", "no:randomly"), id="unshuffled"),
        pytest.param(("--randomly-seed=1",), id="seed-1"),
        pytest.param(("--randomly-seed=2", "-n", "2"), id="seed-2-xdist"),
        pytest.param(("--randomly-seed=3", "-n", "2"), id="seed-3-xdist"),
    ],
)
def test_a_shuffled_run_gives_the_verdicts_and_values_of_the_written_order(
    pytester: pytest.Pytester, shuffle: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_shop=SHOP, test_more=MORE)
    write_ini(pytester, (), *SESSION_SLOS)
    written = pytester.runpytest("-v", "--qametrics-report", "--qametrics-report-dir=written")
    write_ini(pytester, ("randomly",), *SESSION_SLOS)

    shuffled = pytester.runpytest(
        "-v", "--qametrics-report", "--qametrics-report-dir=shuffled", *shuffle
    )

    assert shuffled.ret == written.ret == pytest.ExitCode.TESTS_FAILED
    if "--randomly-seed=1" in shuffle:
        shuffled.stdout.fnmatch_lines(["Using --randomly-seed=1"])
        assert ran_in(shuffled) != ran_in(written), "the seed reordered the tests"
    first, second = (read_report(pytester.path / name) for name in ("written", "shuffled"))
    assert judged(second) == judged(first)
    assert series(second) == series(first)
    assert {v for *_, v in judged(first)} == {"pass", "fail"}, "the project judges both ways"
