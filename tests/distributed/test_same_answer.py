"""Every xdist distribution mode and worker count judges every SLO exactly as a serial run does."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from inner_projects import (
    Row,
    grid_latencies,
    just_below,
    nearest_rank,
    read_report,
    slo_rows,
    write_ini,
)

from pytest_qametrics.stats.latency_stats import summarize_latency
from pytest_qametrics.trackers.custom_metrics import summarize_metric

_RNG = np.random.default_rng(20241122)
#: Four checkout samples per case; the last one of the cases in CHECKOUT_FAILURES failed.
CHECKOUT = [grid_latencies(_RNG, 4, median=0.12) for _ in range(30)]
CHECKOUT_FAILURES = (3, 17, 22)
CART = [grid_latencies(_RNG, 3, median=0.05) for _ in range(12)]
#: Three search samples and one checkout sample per case.
SEARCH = [grid_latencies(_RNG, 4, median=0.2) for _ in range(25)]
RANK = [grid_latencies(_RNG, 3, median=0.3) for _ in range(10)]
RARE = 0.125
#: One cost per checkout case in whole cents: their float sum depends on the order of addition.
COSTS = [round(float(cents) / 100, 2) for cents in _RNG.integers(1, 20, size=len(CHECKOUT))]
TESTS = len(CHECKOUT) + len(CART) + len(SEARCH) + len(RANK) + 1


def _flat(cases: list[list[float]]) -> list[float]:
    return [seconds for case in cases for seconds in case]


CHECKOUT_SAMPLES = _flat(CHECKOUT)
SEARCH_SAMPLES = [*_flat([case[:3] for case in SEARCH]), RARE]
BACKEND_SAMPLES = [*_flat(CART), *_flat(SEARCH)]
ALL_SAMPLES = [*CHECKOUT_SAMPLES, *BACKEND_SAMPLES, *_flat(RANK), RARE]
EVERY_CHECKOUT = [*CHECKOUT_SAMPLES, *(case[3] for case in SEARCH)]
ERROR_RATE = len(CHECKOUT_FAILURES) / len(ALL_SAMPLES)
#: Exact: every sample is a multiple of 1/4096 s, so the sum is the same in any order.
CHECKOUT_MEAN = math.fsum(EVERY_CHECKOUT) / len(EVERY_CHECKOUT)
MEDIAN = float(np.median(ALL_SAMPLES))
COST = math.fsum(COSTS)

CHECKOUT_P95 = nearest_rank(CHECKOUT_SAMPLES, 0.95)
CHECKOUT_P99 = nearest_rank(CHECKOUT_SAMPLES, 0.99)
BACKEND_P50 = nearest_rank(BACKEND_SAMPLES, 0.50)
BACKEND_P90 = nearest_rank(BACKEND_SAMPLES, 0.90)
BACKEND_SEARCH_P99 = nearest_rank(_flat([case[:3] for case in SEARCH]), 0.99)
SESSION_P95 = nearest_rank(ALL_SAMPLES, 0.95)
SEARCH_P99 = nearest_rank(SEARCH_SAMPLES, 0.99)

SESSION_SLOS = (
    "qametrics_slo =",
    f"    latency.p95 <= {SESSION_P95!r}",
    f"    latency[operation=search].p99 <= {just_below(SEARCH_P99)!r}",
    f"    latency[operation=checkout].mean <= {CHECKOUT_MEAN!r}",
    f"    latency.median <= {MEDIAN!r}",
    f"    latency.error_rate <= {ERROR_RATE!r}",
    f"    metric[name=cost_usd].sum <= {COST!r}",
)

CHECKOUT_SCOPE = "test_checkout.py::test_checkout"
RARE_SCOPE = "test_search.py::test_rarely"
#: Each threshold sits exactly on the observed value (pass) or one ulp below it (fail).
EXPECTED: list[Row] = sorted(
    [
        ("session", "latency", "p95", None, SESSION_P95, len(ALL_SAMPLES), "pass"),
        ("session", "latency", "p99", "search", SEARCH_P99, len(SEARCH_SAMPLES), "fail"),
        ("session", "latency", "mean", "checkout", CHECKOUT_MEAN, len(EVERY_CHECKOUT), "pass"),
        ("session", "latency", "median", None, MEDIAN, len(ALL_SAMPLES), "pass"),
        ("session", "latency", "error_rate", None, ERROR_RATE, len(ALL_SAMPLES), "pass"),
        ("session", "metric", "sum", None, COST, len(COSTS), "pass"),
        ("backend", "latency", "p90", None, BACKEND_P90, len(BACKEND_SAMPLES), "pass"),
        ("backend", "latency", "p50", None, BACKEND_P50, len(BACKEND_SAMPLES), "fail"),
        ("backend", "latency", "max", None, max(BACKEND_SAMPLES), len(BACKEND_SAMPLES), "pass"),
        ("backend", "latency", "p99", "search", BACKEND_SEARCH_P99, 3 * len(SEARCH), "pass"),
        (CHECKOUT_SCOPE, "latency", "p95", "checkout", CHECKOUT_P95, len(CHECKOUT_SAMPLES), "pass"),
        (CHECKOUT_SCOPE, "latency", "p99", "checkout", CHECKOUT_P99, len(CHECKOUT_SAMPLES), "fail"),
        (
            CHECKOUT_SCOPE,
            "latency",
            "error_rate",
            "checkout",
            len(CHECKOUT_FAILURES) / len(CHECKOUT_SAMPLES),
            len(CHECKOUT_SAMPLES),
            "pass",
        ),
        (RARE_SCOPE, "latency", "p95", None, None, 1, "no_data"),
    ],
    key=repr,
)


def write_suite(pytester: pytest.Pytester) -> None:
    """Two files of parametrized tests: a class, a shared group, xdist groups, an unmarked test."""
    write_ini(pytester, *SESSION_SLOS)
    pytester.makepyfile(
        test_checkout=f"""
        import pytest

        CHECKOUT = {CHECKOUT!r}
        COSTS = {COSTS!r}
        FAILURES = {CHECKOUT_FAILURES!r}
        CART = {CART!r}

        @pytest.mark.slo(
            operation="checkout", p95={CHECKOUT_P95!r}, p99={just_below(CHECKOUT_P99)!r},
            error_rate=0.05,
        )
        @pytest.mark.parametrize("case", range(len(CHECKOUT)))
        def test_checkout(latency_tracker, metrics, case):
            metrics.record("cost_usd", COSTS[case])
            *done, last = CHECKOUT[case]
            for seconds in done:
                latency_tracker.record("checkout", seconds)
            latency_tracker.record("checkout", last, success=case not in FAILURES)

        @pytest.mark.xdist_group("cart")
        class TestCart:
            @pytest.mark.slo(group="backend", p90={BACKEND_P90!r})
            @pytest.mark.parametrize("case", range(len(CART)))
            def test_add(self, latency_tracker, case):
                for seconds in CART[case]:
                    latency_tracker.record("cart", seconds)
        """,
        test_search=f"""
        import pytest

        SEARCH = {SEARCH!r}
        RANK = {RANK!r}

        @pytest.mark.xdist_group("search")
        @pytest.mark.slo(group="backend", p50={just_below(BACKEND_P50)!r}, max=1.0e3)
        @pytest.mark.slo(group="backend", operation="search", p99={BACKEND_SEARCH_P99!r})
        @pytest.mark.parametrize("case", range(len(SEARCH)))
        def test_search(latency_tracker, case):
            *found, paid = SEARCH[case]
            for seconds in found:
                latency_tracker.record("search", seconds)
            latency_tracker.record("checkout", paid)

        @pytest.mark.parametrize("case", range(len(RANK)))
        def test_rank(latency_tracker, case):
            for seconds in RANK[case]:
                latency_tracker.record("rank", seconds)

        @pytest.mark.slo(p95=1.0, min_samples=1000)
        def test_rarely(latency_tracker):
            latency_tracker.record("search", {RARE!r})
        """,
    )


DISTRIBUTED = [
    *(
        pytest.param(("-n", "2", "--dist", mode), 2, id=f"n2-{mode}")
        for mode in ("load", "loadscope", "loadfile", "loadgroup", "worksteal")
    ),
    pytest.param(("-n", "1"), 1, id="n1"),
    pytest.param(("-n", "4"), 4, id="n4"),
    pytest.param(
        ("--dist", "load", "--tx", f"2*popen//python={sys.executable}"), 2, id="tx-2-popen"
    ),
]


@pytest.mark.parametrize(("options", "workers"), DISTRIBUTED)
def test_a_distributed_run_reports_every_slo_exactly_as_the_serial_run(
    pytester: pytest.Pytester, options: tuple[str, ...], workers: int
) -> None:
    write_suite(pytester)
    report = ("--qametrics-report", "--qametrics-formats=json")

    serial = pytester.runpytest(*report, "--qametrics-report-dir=serial")
    distributed = pytester.runpytest(*options, *report, "--qametrics-report-dir=distributed")

    serial.assert_outcomes(passed=TESTS)
    distributed.assert_outcomes(passed=TESTS)
    assert serial.ret == distributed.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_rows(pytester.path / "distributed") == slo_rows(pytester.path / "serial") == EXPECTED
    split = read_report(pytester.path / "distributed")["workers"]
    assert set(split) == {f"gw{index}" for index in range(workers)}, "every worker ran tests"
    assert sum(counts["tests"] for counts in split.values()) == TESTS
    assert sum(counts["samples"] for counts in split.values()) == len(ALL_SAMPLES) + len(COSTS)


def test_latency_mean_and_stdev_do_not_depend_on_the_order_samples_arrive_in() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(mean=-2.0, sigma=0.8, size=997)
    empty = np.empty(0, dtype=np.float64)
    first = summarize_latency(values, empty, {}, "nearest-rank")
    for _ in range(20):
        shuffled = summarize_latency(rng.permutation(values), empty, {}, "nearest-rank")
        assert (shuffled.mean, shuffled.stdev) == (first.mean, first.stdev)


def test_a_cost_sum_is_the_correctly_rounded_total_in_any_order() -> None:
    rng = np.random.default_rng(0)
    cents = np.round(rng.uniform(0.01, 0.2, size=40), 2)
    orders = [rng.permutation(cents) for _ in range(50)]

    sums = {summarize_metric(order, "nearest-rank").sum for order in orders}

    assert len({float(order.sum()) for order in orders}) > 1, "numpy's sum depends on the order"
    assert sums == {math.fsum(cents.tolist())}
