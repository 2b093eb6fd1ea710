"""Each verdict reaches the terminal and the exit code: warn, no data, skipped, call durations."""

from __future__ import annotations

import re

import pytest

from .inner_runs import slo_section, write_ini


def test_warn_severity_breach_prints_warn_and_exits_0(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_search="""
        import pytest

        @pytest.mark.slo(p95=0.1, severity="warn")
        def test_search(latency_tracker):
            latency_tracker.record("search", 0.25)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [
        "WARN     test_search.py::test_search",
        "         latency p95 = 250 ms, needs <= 100 ms (n=1, latency samples)",
        "         budget: 1 slow call, 0 allowed; severity=warn",
        "qametrics: 1 SLO: 1 breached at severity=warn",
    ]


def test_two_slo_marks_on_one_test_are_both_listed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_search="""
        import pytest

        @pytest.mark.slo(p95=0.1, severity="warn")
        @pytest.mark.slo(p95=0.2)
        def test_search(latency_tracker):
            latency_tracker.record("search", 0.25)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    section = slo_section(result)
    entries = [tuple(section[start : start + 3]) for start in range(0, len(section) - 1, 3)]
    assert sorted(entries) == [
        (
            "FAIL     test_search.py::test_search",
            "         latency p95 = 250 ms, needs <= 200 ms (n=1, latency samples)",
            "         budget: 1 slow call, 0 allowed",
        ),
        (
            "WARN     test_search.py::test_search",
            "         latency p95 = 250 ms, needs <= 100 ms (n=1, latency samples)",
            "         budget: 1 slow call, 0 allowed; severity=warn",
        ),
    ]
    assert section[-1] == "qametrics: 1 of 2 SLOs failed (1 more breached at severity=warn)"


TOO_FEW_SAMPLES = """
    import pytest

    @pytest.mark.slo(p95=1.0, min_samples=5)
    @pytest.mark.parametrize("case", range(3))
    def test_lookup(latency_tracker, case):
        latency_tracker.record("lookup", 0.1)
"""


@pytest.mark.parametrize(
    ("policy", "exit_code", "total"),
    [
        pytest.param(
            None,
            pytest.ExitCode.TESTS_FAILED,
            "qametrics: 1 of 1 SLOs failed (1 of them without enough data)",
            id="default-fails",
        ),
        pytest.param(
            "fail",
            pytest.ExitCode.TESTS_FAILED,
            "qametrics: 1 of 1 SLOs failed (1 of them without enough data)",
            id="fail",
        ),
        pytest.param(
            "warn",
            pytest.ExitCode.OK,
            "qametrics: 1 SLO: 1 without enough data",
            id="warn",
        ),
        pytest.param(
            "pass",
            pytest.ExitCode.OK,
            "qametrics: 1 SLO: 1 without enough data",
            id="pass",
        ),
    ],
)
def test_min_samples_not_met_is_no_data_and_the_policy_decides_the_exit_code(
    pytester: pytest.Pytester, policy: str | None, exit_code: pytest.ExitCode, total: str
) -> None:
    if policy is not None:
        write_ini(pytester, f"qametrics_no_data = {policy}")
    pytester.makepyfile(test_lookup=TOO_FEW_SAMPLES)

    result = pytester.runpytest()

    result.assert_outcomes(passed=3)
    assert result.ret == exit_code
    assert slo_section(result) == [
        "NO DATA  test_lookup.py::test_lookup",
        "         latency p95 <= 1 s: 3 samples, needs at least 5",
        total,
    ]


def test_operation_without_samples_is_no_data(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_lookup="""
        import pytest

        @pytest.mark.slo(p95=1.0, operation="checkout")
        def test_lookup(latency_tracker):
            latency_tracker.record("lookup", 0.1)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result)[:2] == [
        "NO DATA  test_lookup.py::test_lookup",
        "         latency[operation=checkout] p95 <= 1 s: 0 samples, needs some",
    ]


def test_group_whose_tests_are_all_skipped_is_skipped_and_exits_0(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_skipped="""
        import pytest

        @pytest.mark.skip(reason="service down")
        @pytest.mark.slo(p95=0.001)
        @pytest.mark.parametrize("case", range(3))
        def test_by_mark(latency_tracker, case):
            latency_tracker.record("lookup", 1.0)

        @pytest.mark.slo(p95=0.001)
        @pytest.mark.parametrize("case", range(2))
        def test_in_body(latency_tracker, case):
            pytest.skip("no credentials")
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(skipped=5)
    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [
        "SKIPPED  test_skipped.py::test_by_mark",
        "         latency p95 <= 1 ms: every test of the group was skipped",
        "SKIPPED  test_skipped.py::test_in_body",
        "         latency p95 <= 1 ms: every test of the group was skipped",
        "qametrics: 2 SLOs: 2 skipped",
    ]


def test_partly_skipped_group_is_judged_on_the_tests_that_ran(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_partly="""
        import pytest

        @pytest.mark.slo(p95=0.5)
        @pytest.mark.parametrize("case", range(4))
        def test_lookup(latency_tracker, case):
            if case == 0:
                pytest.skip("one case is not ready")
            latency_tracker.record("lookup", 0.1 * case)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result)[:2] == [
        "PASS     test_partly.py::test_lookup",
        "         latency p95 = 300 ms, needs <= 500 ms (n=3, latency samples)",
    ]


def test_marked_test_without_latency_samples_is_judged_on_call_durations(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_plain="""
        import pytest

        @pytest.mark.slo(p95=60.0, max=60.0)
        @pytest.mark.parametrize("case", range(3))
        def test_plain(case):
            assert case >= 0
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK
    section = slo_section(result)
    assert [section[0], section[2], *section[4:]] == [
        "PASS     test_plain.py::test_plain",
        "PASS     test_plain.py::test_plain",
        "qametrics: all 2 SLOs met",
    ]
    assert re.fullmatch(
        r" {9}latency p95 = \S+ \S+, needs <= 60 s \(n=3, call durations\)", section[1]
    )
    assert re.fullmatch(
        r" {9}latency max = \S+ \S+, needs <= 60 s \(n=3, call durations\)", section[3]
    )


def test_group_keyword_pools_the_samples_of_different_test_functions(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_cart="""
        import pytest

        @pytest.mark.slo(group="checkout", p95=1.0, min_samples=5)
        def test_pay_by_card(latency_tracker):
            for seconds in (0.1, 0.2, 0.3):
                latency_tracker.record("pay", seconds)
        """,
        test_wallet="""
        import pytest

        @pytest.mark.slo(group="checkout", p95=1.0, min_samples=5)
        def test_pay_by_wallet(latency_tracker):
            for seconds in (0.4, 0.5, 0.6):
                latency_tracker.record("pay", seconds)
        """,
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [
        "PASS     checkout",
        "         latency p95 = 600 ms, needs <= 1 s (n=6, latency samples)",
        "qametrics: the 1 SLO was met",
    ]


def test_group_pool_can_breach_where_each_function_alone_would_pass(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_cart="""
        import pytest

        @pytest.mark.slo(group="checkout", stdev=0.01)
        @pytest.mark.parametrize("case", range(4))
        def test_pay_by_card(latency_tracker, case):
            latency_tracker.record("pay", 0.1)

        @pytest.mark.slo(group="checkout", stdev=0.01)
        @pytest.mark.parametrize("case", range(4))
        def test_pay_by_wallet(latency_tracker, case):
            latency_tracker.record("pay", 0.3)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    section = slo_section(result)
    assert section[0] == "FAIL     checkout"
    assert section[1].endswith("needs <= 10 ms (n=8, latency samples)")
    assert section[-1] == "qametrics: 1 of 1 SLOs failed"
