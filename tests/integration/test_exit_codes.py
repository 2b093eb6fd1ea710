"""A breached SLO turns only a green run red: it never masks failures, interruptions or errors."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini

BREACHING_TEST = """
    import pytest

    @pytest.mark.slo(p95=0.1)
    def test_slow(latency_tracker):
        latency_tracker.record("lookup", 0.5)
"""


def test_failing_test_and_breached_slo_exit_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_slow=BREACHING_TEST,
        test_broken="def test_broken():\n    assert 1 + 1 == 3\n",
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result)[0] == "FAIL     test_slow.py::test_slow"


def test_collection_error_keeps_exit_code_2_and_slos_are_not_judged(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1us")
    pytester.makepyfile(
        test_slow=BREACHING_TEST,
        test_broken="import module_that_does_not_exist\n",
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    assert slo_section(result) == [
        "qametrics: no test ran (exit code 2), so 1 SLOs were not judged",
    ]


def test_exitfirst_with_a_failing_test_exits_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_order="""
        import pytest

        @pytest.mark.slo(p95=1.0)
        def test_1_fast(latency_tracker):
            latency_tracker.record("lookup", 0.1)

        def test_2_fails():
            assert False

        @pytest.mark.slo(p95=0.1)
        def test_3_never_runs(latency_tracker):
            latency_tracker.record("lookup", 0.5)
        """
    )

    result = pytester.runpytest("-x")

    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # the SLO of the test that never started is listed, not dropped (it used to vanish)
    assert slo_section(result) == [
        "PASS     test_order.py::test_1_fast",
        "         latency p95 = 100 ms, needs <= 1 s (n=1, latency samples)",
        "SKIPPED  test_order.py::test_3_never_runs",
        "         latency p95 <= 100 ms: not judged: the run stopped before its tests",
        "qametrics: 2 SLOs: 1 met, 1 skipped",
    ]


def test_interrupted_run_keeps_exit_code_2_while_listing_the_breach(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_order="""
        import pytest

        @pytest.mark.slo(p95=0.1)
        def test_1_slow(latency_tracker):
            latency_tracker.record("lookup", 0.5)

        def test_2_stops_the_run():
            pytest.exit("operator stopped the run")
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert slo_section(result)[0] == "FAIL     test_order.py::test_1_slow"


@pytest.mark.parametrize(
    ("source", "args"),
    [
        pytest.param("def helper():\n    pass\n", (), id="no-tests-collected"),
        pytest.param("def test_one():\n    pass\n", ("-k", "no_such_test"), id="all-deselected"),
    ],
)
def test_slos_are_not_judged_when_no_test_ran(
    pytester: pytest.Pytester, source: str, args: tuple[str, ...]
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1s", "    latency.max <= 2s")
    pytester.makepyfile(test_module=source)

    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert slo_section(result) == [
        "qametrics: no test ran (exit code 5), so 2 SLOs were not judged",
    ]


def test_collect_only_does_not_judge_slos_and_exits_0(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1s")
    pytester.makepyfile(test_slow=BREACHING_TEST)

    result = pytester.runpytest("--collect-only", "-q")

    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [
        "qametrics: no test ran (exit code 0), so 1 SLOs were not judged",
    ]


def test_usage_error_is_not_masked_by_slos(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_slow=BREACHING_TEST)

    result = pytester.runpytest("--no-such-option")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert slo_section(result) == []
