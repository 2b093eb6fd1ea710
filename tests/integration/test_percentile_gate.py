"""A p95 SLO on 100 parametrized cases is judged on the exact nearest-rank p95, at every gate."""

from __future__ import annotations

import numpy as np
import pytest

from .inner_runs import (
    just_below,
    nearest_rank_p95,
    seeded_latencies,
    shown,
    slo_section,
    write_ini,
)

VALUES = seeded_latencies(seed=20240611)
P95 = nearest_rank_p95(VALUES)
NODE = "test_checkout.py::test_checkout"


def write_checkout_test(pytester: pytest.Pytester, threshold: float) -> None:
    """One test function, parametrized 100 times, each case recording one known latency."""
    pytester.makepyfile(
        test_checkout=f"""
        import pytest

        VALUES = {VALUES!r}

        @pytest.mark.slo(p95={threshold!r})
        @pytest.mark.parametrize("case", range(len(VALUES)))
        def test_checkout(latency_tracker, case):
            latency_tracker.record("checkout", VALUES[case])
        """
    )


def verdict(label: str, threshold: float, slow: int) -> list[str]:
    """The three summary lines of the checkout SLO, ``slow`` of its 100 samples above the line.

    Nearest-rank p95 of 100 samples stays within the threshold while at most 100 - 95 = 5
    samples exceed it.
    """
    return [
        f"{label:<8} {NODE}",
        f"         latency p95 = {shown(P95)}, needs <= {shown(threshold)} "
        "(n=100, latency samples)",
        f"         budget: {slow} slow calls, 5 allowed",
    ]


def test_p95_equal_to_the_threshold_passes_and_exits_0(pytester: pytest.Pytester) -> None:
    write_checkout_test(pytester, threshold=P95)

    result = pytester.runpytest()

    result.assert_outcomes(passed=100)
    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [*verdict("PASS", P95, slow=5), "qametrics: the 1 SLO was met"]


def test_p95_one_ulp_above_the_threshold_fails_and_exits_1(pytester: pytest.Pytester) -> None:
    threshold = just_below(P95)
    write_checkout_test(pytester, threshold)

    result = pytester.runpytest()

    result.assert_outcomes(passed=100)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result) == [
        *verdict("FAIL", threshold, slow=6),
        "qametrics: 1 of 1 SLOs failed",
    ]


def test_gate_warn_option_reports_the_breach_and_keeps_exit_code_0(
    pytester: pytest.Pytester,
) -> None:
    threshold = just_below(P95)
    write_checkout_test(pytester, threshold)

    result = pytester.runpytest("--qametrics-gate=warn")

    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == [
        *verdict("FAIL", threshold, slow=6),
        "qametrics: 1 of 1 SLOs failed (--qametrics-gate=warn: the exit code is unchanged)",
    ]


def test_gate_warn_in_the_ini_file_keeps_exit_code_0(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_gate = warn")
    threshold = just_below(P95)
    write_checkout_test(pytester, threshold)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK
    section = slo_section(result)
    assert section[:3] == verdict("FAIL", threshold, slow=6)
    assert "(--qametrics-gate=warn" in section[-1]


def test_gate_option_overrides_the_ini_gate(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_gate = warn")
    write_checkout_test(pytester, just_below(P95))

    result = pytester.runpytest("--qametrics-gate=enforce")

    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_gate_off_skips_evaluation_and_exits_0(pytester: pytest.Pytester) -> None:
    write_checkout_test(pytester, just_below(P95))

    result = pytester.runpytest("--qametrics-gate=off")

    result.assert_outcomes(passed=100)
    assert result.ret == pytest.ExitCode.OK
    assert slo_section(result) == []
    assert not [line for line in result.outlines if line.startswith(("PASS ", "FAIL "))]


def test_linear_percentile_setting_judges_numpys_linear_p95(pytester: pytest.Pytester) -> None:
    linear = float(np.quantile(VALUES, 0.95, method="linear"))
    assert P95 in VALUES
    assert linear > P95
    assert shown(linear) != shown(P95)
    write_ini(pytester, "qametrics_percentile = linear")
    pytester.makepyfile(
        test_linear=f"""
        import pytest

        VALUES = {VALUES!r}

        @pytest.mark.slo(p95={linear!r})
        @pytest.mark.parametrize("case", range(len(VALUES)))
        def test_at_the_line(latency_tracker, case):
            latency_tracker.record("checkout", VALUES[case])

        @pytest.mark.slo(p95={just_below(linear)!r})
        @pytest.mark.parametrize("case", range(len(VALUES)))
        def test_one_ulp_over(latency_tracker, case):
            latency_tracker.record("checkout", VALUES[case])
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    body = f"latency p95 = {shown(linear)}, needs <= {{}} (n=100, latency samples)"
    # no budget line: a slow-call budget is exact only for nearest-rank percentiles
    assert slo_section(result) == [
        "PASS     test_linear.py::test_at_the_line",
        "         " + body.format(shown(linear)),
        "FAIL     test_linear.py::test_one_ulp_over",
        "         " + body.format(shown(just_below(linear))),
        "qametrics: 1 of 2 SLOs failed",
    ]
