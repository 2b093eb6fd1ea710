"""Runs that only list fixtures or markers judge nothing and say nothing about SLOs."""

from __future__ import annotations

import pytest

from .inner_runs import write_ini


@pytest.mark.parametrize("option", ["--fixtures", "--fixtures-per-test", "--markers"])
def test_listing_options_print_no_not_judged_line(pytester: pytest.Pytester, option: str) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1s")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest(option, "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK
    assert not [line for line in result.outlines if "not judged" in line]
    assert not [line for line in result.outlines if "qametrics SLOs" in line]


def test_collect_only_still_says_the_slos_were_not_judged(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1s")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest("--collect-only", "-p", "no:randomly")
    result.stdout.fnmatch_lines(["qametrics: no test ran (exit code 0), so 1 SLOs were not judged"])
