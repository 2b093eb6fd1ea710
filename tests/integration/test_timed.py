"""``timed()`` in application code records into the running test, and does nothing outside tests."""

from __future__ import annotations

import re
import textwrap

import pytest

from .inner_runs import slo_section, write_ini

APPLICATION = textwrap.dedent(
    """
    import asyncio

    from pytest_qametrics import timed

    @timed("lookup")
    def lookup(key):
        return key.upper()

    @timed("fetch")
    async def fetch(key):
        await asyncio.sleep(0)
        return key

    def render(page):
        with timed("render"):
            return f"<h1>{page}</h1>"
    """
)


def test_timed_application_code_records_into_the_calling_tests_samples(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        app=APPLICATION,
        test_app="""
        import asyncio

        import pytest

        from app import fetch, lookup, render

        @pytest.mark.slo(p95=60.0, operation="lookup")
        @pytest.mark.slo(max=60.0, operation="render")
        def test_uses_the_application(latency_tracker):
            assert [lookup(key) for key in "abc"] == ["A", "B", "C"]
            assert render("home") == "<h1>home</h1>"
            assert asyncio.run(fetch("x")) == "x"
            assert latency_tracker.stats("lookup").count == 3
            assert latency_tracker.stats("render").count == 1
            assert latency_tracker.stats("fetch").count == 1
            assert latency_tracker.stats().count == 5

        def test_another_test_starts_empty(latency_tracker):
            lookup("d")
            assert latency_tracker.stats().count == 1
        """,
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    section = slo_section(result)
    assert section[0::2][:2] == ["PASS     test_app.py::test_uses_the_application"] * 2
    result.stdout.re_match_lines(
        [r"^ {9}latency\[operation=lookup\] p95 = .*, needs <= 60 s \(n=3, latency samples\)$"]
    )
    result.stdout.re_match_lines(
        [r"^ {9}latency\[operation=render\] max = .*, needs <= 60 s \(n=1, latency samples\)$"]
    )


def test_timed_failure_counts_as_an_error_of_the_operation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_errors="""
        import pytest

        from pytest_qametrics import timed

        @timed("charge")
        def charge(amount):
            if amount < 0:
                raise ValueError("negative amount")
            return amount

        @pytest.mark.slo(error_rate=0.25, operation="charge")
        def test_charges(latency_tracker):
            charge(1)
            with pytest.raises(ValueError, match="negative"):
                charge(-1)
            stats = latency_tracker.stats("charge")
            assert (stats.count, stats.failure_count) == (2, 1)
            assert stats.errors == {"ValueError: negative amount": 1}
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result)[:2] == [
        "FAIL     test_errors.py::test_charges",
        "         latency[operation=charge] error_rate = 50%, needs <= 25% (n=2, latency samples)",
    ]


def test_timed_outside_any_test_records_nothing(pytester: pytest.Pytester) -> None:
    """Runs in a subprocess: in-process, the outer test running pytester is itself a test."""
    write_ini(pytester, "qametrics_slo =", "    latency[operation=lookup].max <= 60s")
    pytester.makepyfile(
        app=APPLICATION + "\nWARMED_UP = lookup('at import time')\n",
        conftest="""
        from app import lookup

        def pytest_collection_finish(session):
            lookup("between collection and the first test")

        def pytest_sessionfinish(session):
            lookup("after the last test")
        """,
        test_app="""
        import pytest

        from app import lookup

        @pytest.mark.slo(p95=60.0, operation="lookup")
        def test_looks_up(latency_tracker):
            for key in "abc":
                lookup(key)
            assert latency_tracker.stats("lookup").count == 3
        """,
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    section = slo_section(result)
    assert [section[0], section[2], *section[4:]] == [
        "PASS     session",
        "PASS     test_app.py::test_looks_up",
        "qametrics: all 2 SLOs met",
    ]
    assert re.fullmatch(
        r" {9}latency\[operation=lookup\] max = .*, needs <= 60 s \(n=3, latency samples\)",
        section[1],
    )
    assert re.fullmatch(
        r" {9}latency\[operation=lookup\] p95 = .*, needs <= 60 s \(n=3, latency samples\)",
        section[3],
    )
