"""``latency_tracker.stats()`` inside a test describes that test's own samples only."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini


def test_stats_inside_a_test_are_that_tests_own_statistics(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_stats="""
        import pytest

        @pytest.mark.slo(p95=10.0)
        @pytest.mark.parametrize(
            "durations", [[0.1, 0.2, 0.3, 0.4], [1.0, 3.0]], ids=["four", "two"]
        )
        def test_own_samples(latency_tracker, durations):
            for seconds in durations:
                latency_tracker.record("lookup", seconds)
            latency_tracker.record("render", 5.0, success=False, error="timeout")

            lookup = latency_tracker.stats("lookup")
            assert lookup.count == len(durations)
            assert lookup.max == max(durations)
            assert lookup.mean == pytest.approx(sum(durations) / len(durations))
            assert lookup.success_rate == 1.0
            assert lookup.p50 == sorted(durations)[len(durations) // 2 - 1]

            everything = latency_tracker.stats()
            assert everything.count == len(durations) + 1
            assert everything.failure_count == 1
            assert everything.errors == {"timeout": 1}
            assert everything["max"] == 5.0

        def test_without_samples_has_empty_stats(latency_tracker):
            stats = latency_tracker.stats()
            assert stats.count == 0
            assert stats.p95 is None
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=3)
    assert slo_section(result) == [
        "PASS     test_stats.py::test_own_samples",
        "         latency p95 = 5 s, needs <= 10 s (n=8, latency samples)",
        "qametrics: the 1 SLO was met",
    ]


def test_stats_follow_the_configured_percentile_method(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_percentile = linear")
    pytester.makepyfile(
        test_linear="""
        import pytest

        def test_linear_p50(latency_tracker):
            for seconds in (0.1, 0.2, 0.3, 0.4):
                latency_tracker.record("lookup", seconds)
            assert latency_tracker.stats().p50 == pytest.approx(0.25)
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
