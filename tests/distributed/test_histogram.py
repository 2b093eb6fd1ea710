"""Past ``qametrics_exact_samples`` a series folds into a histogram: within 0.5%, and says so."""

from __future__ import annotations

import numpy as np
import pytest
from inner_projects import nearest_rank, read_report, slo_rows, write_ini

from pytest_qametrics.stats.loghist import RELATIVE_ERROR

TESTS, PER_TEST = 10, 500


def latencies(case: int) -> list[float]:
    """The samples test ``case`` records (the inner test computes the same)."""
    values = np.random.default_rng(case).lognormal(np.log(0.12), 0.5, PER_TEST)
    return [float(v) for v in values]


ALL = [seconds for case in range(TESTS) for seconds in latencies(case)]
EXACT_P95 = nearest_rank(ALL, 0.95)


def test_a_series_past_the_exact_cap_is_judged_within_half_a_percent_and_marked_approximate(
    pytester: pytest.Pytester,
) -> None:
    write_ini(
        pytester, "qametrics_exact_samples = 1000", "qametrics_slo =", "    latency.p95 <= 1.0"
    )
    pytester.makepyfile(
        test_many=f"""
        import numpy as np
        import pytest

        @pytest.mark.slo(group="many", p95=1.0)
        @pytest.mark.parametrize("case", range({TESTS}))
        def test_many(latency_tracker, case):
            values = np.random.default_rng(case).lognormal(np.log(0.12), 0.5, {PER_TEST})
            for seconds in values:
                latency_tracker.record("op", float(seconds))
        """
    )
    report = ("--qametrics-report", "--qametrics-formats=json")

    serial = pytester.runpytest(*report, "--qametrics-report-dir=serial")
    distributed = pytester.runpytest("-n", "2", *report, "--qametrics-report-dir=distributed")

    assert serial.ret == distributed.ret == pytest.ExitCode.OK
    for result in (serial, distributed):
        result.stdout.fnmatch_lines(
            [
                "PASS     session",
                "         latency p95 = * ms, needs <= 1 s (n=5000, latency samples)",
                "         approximate: within 0.5%",
                "PASS     many",
                "         latency p95 = * ms, needs <= 1 s (n=5000, latency samples)",
                "         approximate: within 0.5%",
                "qametrics: all 2 SLOs met",
            ],
            consecutive=True,
        )
    assert slo_rows(pytester.path / "serial") == slo_rows(pytester.path / "distributed")
    for row in read_report(pytester.path / "distributed")["slos"]:
        assert row["relative_error"] == RELATIVE_ERROR
        assert row["observed"] != EXACT_P95, "the histogram's value, not an observed sample"
        assert abs(row["observed"] - EXACT_P95) <= RELATIVE_ERROR * EXACT_P95
