"""Subtests (pytest's own ``subtests`` fixture): their samples belong to the enclosing test.

pytest-subtests registers its plugin under the name pytest 9 gives its own (``subtests``),
so on pytest 9 the built-in fixture answers; on pytest 8 the same test runs pytest-subtests.
"""

from __future__ import annotations

import pytest

from .peers import MODES, read_report, series_stats, slo_by_scope, write_ini

SUBTESTS = """
import pytest

@pytest.mark.slo(p95=1.0)
def test_cases(subtests, latency_tracker):
    latency_tracker.record("before", 0.05)
    for case in range(4):
        with subtests.test(case=case):
            latency_tracker.record("case", 0.1 * (case + 1))
            assert case != 3, "the last subtest fails"
    latency_tracker.record("after", 0.05)
"""


@MODES
def test_samples_recorded_in_subtests_pool_into_the_enclosing_test(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ())
    pytester.makepyfile(test_sub=SUBTESTS)

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r", *mode)

    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the failed subtest fails the test
    result.stdout.fnmatch_lines(["*test_cases*case=*3*"])
    report = read_report(pytester.path / "r")
    assert slo_by_scope(report)["test_sub.py::test_cases"] == (0.4, 6, "pass")
    assert {name: s["count"] for name, s in series_stats(report).items()} == {
        "before": 1,
        "case": 4,
        "after": 1,
    }
    assert [(t["nodeid"], t["outcome"]) for t in report["tests"]] == [
        ("test_sub.py::test_cases", "failed")
    ]
