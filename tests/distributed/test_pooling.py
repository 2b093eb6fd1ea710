"""SLOs are judged on the union of every worker's samples, never on one worker's fraction."""

from __future__ import annotations

import numpy as np
import pytest
from inner_projects import grid_latencies, nearest_rank, read_report, slo_rows, write_ini

from pytest_qametrics.stats.latency_stats import summarize_latency

FRACTION_RUN = ("-n", "2", "--dist", "loadfile", "--qametrics-report", "--qametrics-report-dir=r")


def fraction_split(pytester: pytest.Pytester) -> list[int]:
    """How many tests each worker ran, smallest first."""
    return sorted(w["tests"] for w in read_report(pytester.path / "r")["workers"].values())


def test_an_slo_met_by_every_worker_fraction_fails_when_their_union_breaches_it(
    pytester: pytest.Pytester,
) -> None:
    # Nearest-rank percentiles, means, maxima and rates of a union always lie between those of
    # its parts, so a union can only breach what every part met through its spread: the stdev.
    write_ini(pytester, "qametrics_slo =", "    latency.stdev <= 0.05")
    for name, median in (("test_fast", 0.1), ("test_slow", 0.8)):
        rng = np.random.default_rng(int(median * 10))
        values = grid_latencies(rng, 12, median=median, sigma=0.02)
        pytester.makepyfile(
            **{
                name: f"""
                import pytest

                VALUES = {values!r}

                @pytest.mark.slo(group="spread", stdev=0.05)
                @pytest.mark.parametrize("case", range(6))
                def test_calls(latency_tracker, case):
                    for seconds in VALUES[2 * case : 2 * case + 2]:
                        latency_tracker.record("call", seconds)
                """
            }
        )

    fast_alone = pytester.runpytest("test_fast.py")
    slow_alone = pytester.runpytest("test_slow.py")
    union = pytester.runpytest(*FRACTION_RUN)

    assert fast_alone.ret == slow_alone.ret == pytest.ExitCode.OK
    assert fraction_split(pytester) == [6, 6], "loadfile gives each worker one whole file"
    assert union.ret == pytest.ExitCode.TESTS_FAILED
    union.stdout.fnmatch_lines(
        [
            "FAIL     session",
            "         latency stdev = * ms, needs <= 50 ms (n=24, latency samples)",
            "FAIL     spread",
            "         latency stdev = * ms, needs <= 50 ms (n=24, latency samples)",
        ]
    )


def test_an_slo_one_worker_fraction_breaches_passes_when_the_union_meets_it(
    pytester: pytest.Pytester,
) -> None:
    # Alone, the tail file has one slow call in two (p95 = 900 ms) and too few samples; in the
    # union of 40 samples the one slow call is above the nearest rank ceil(0.95 * 40) = 38.
    mark = 'pytest.mark.slo(group="all", p95=0.2, min_samples=20)'
    pytester.makepyfile(
        test_tail=f"""
        import pytest

        @{mark}
        @pytest.mark.parametrize("seconds", [0.1, 0.9])
        def test_tail(latency_tracker, seconds):
            latency_tracker.record("call", seconds)
        """,
        test_bulk=f"""
        import pytest

        @{mark}
        @pytest.mark.parametrize("case", range(38))
        def test_bulk(latency_tracker, case):
            latency_tracker.record("call", 0.1)
        """,
    )
    write_ini(pytester)

    tail_alone = pytester.runpytest("test_tail.py")
    bulk_alone = pytester.runpytest("test_bulk.py")
    union = pytester.runpytest(*FRACTION_RUN)

    assert tail_alone.ret == pytest.ExitCode.TESTS_FAILED
    assert bulk_alone.ret == pytest.ExitCode.OK
    assert fraction_split(pytester) == [2, 38], "loadfile gives each worker one whole file"
    assert union.ret == pytest.ExitCode.OK
    union.stdout.fnmatch_lines(
        ["PASS     all", "         latency p95 = 100 ms, needs <= 200 ms (n=40, latency samples)"]
    )


EACH = grid_latencies(np.random.default_rng(11), 30)
DOUBLED = np.array(EACH + EACH)


def test_dist_each_pools_every_workers_copy_of_every_sample(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p99 <= 1.0")
    pytester.makepyfile(
        test_each=f"""
        import pytest

        VALUES = {EACH!r}

        @pytest.mark.slo(group="each", p95=1.0, stdev=1.0)
        @pytest.mark.parametrize("case", range(10))
        def test_each(latency_tracker, case):
            for seconds in VALUES[3 * case : 3 * case + 3]:
                latency_tracker.record("call", seconds)
        """
    )
    report = ("--qametrics-report", "--qametrics-formats=json")

    pytester.runpytest(*report, "--qametrics-report-dir=serial")
    result = pytester.runpytest("-n", "2", "--dist", "each", *report, "--qametrics-report-dir=each")

    result.assert_outcomes(passed=20)
    assert result.ret == pytest.ExitCode.OK
    doubled = summarize_latency(DOUBLED, np.empty(0), {}, "nearest-rank")
    assert doubled.stdev != summarize_latency(np.array(EACH), np.empty(0), {}, "nearest-rank").stdev
    assert slo_rows(pytester.path / "each") == sorted(
        [
            ("session", "latency", "p99", None, nearest_rank(DOUBLED, 0.99), 60, "pass"),
            ("each", "latency", "p95", None, nearest_rank(DOUBLED, 0.95), 60, "pass"),
            ("each", "latency", "stdev", None, doubled.stdev, 60, "pass"),
        ],
        key=repr,
    )
    assert [row[-2] for row in slo_rows(pytester.path / "serial")] == [30, 30, 30]
    workers = read_report(pytester.path / "each")["workers"]
    assert workers == {"gw0": {"tests": 10, "samples": 30}, "gw1": {"tests": 10, "samples": 30}}
    result.stdout.fnmatch_lines(
        ["qametrics: samples per worker: gw0: 10 tests, 30 samples; gw1: 10 tests, 30 samples"]
    )
