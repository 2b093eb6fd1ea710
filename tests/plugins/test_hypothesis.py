"""hypothesis ``@given``: the samples of every example hypothesis runs pool into the test."""

from __future__ import annotations

import pytest

from .peers import MODES, read_report, series_stats, slo_by_scope, write_ini

# Each example records one sample through the fixture and one through timed(), and counts
# itself in a file, so the test's n can be checked against the examples that really ran.
GIVEN = """
import pathlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pytest_qametrics import timed

RAN = pathlib.Path(__file__).with_name("examples-ran")

@timed("parse")
def parse(text):
    return text.strip()

@pytest.mark.slo(p95=1.0)
@settings(
    max_examples=40,
    database=None,
    derandomize=True,
    # the tracker is meant to be shared by the examples: their samples pool into the test
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=20))
def test_parse(text, latency_tracker):
    with RAN.open("a") as ran:
        ran.write("x")
    latency_tracker.record("example", 0.01 + len(text) / 1000)
    assert parse(text) == text.strip()
"""


@MODES
def test_each_example_of_a_given_test_pools_into_the_test(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("hypothesispytest",))
    pytester.makepyfile(test_given=GIVEN)

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r", *mode)

    result.assert_outcomes(passed=1)
    ran = len((pytester.path / "examples-ran").read_text(encoding="utf-8"))
    assert ran >= 10, "hypothesis ran a real number of examples"
    report = read_report(pytester.path / "r")
    assert slo_by_scope(report)["test_given.py::test_parse"][1:] == (2 * ran, "pass")
    stats = series_stats(report)
    assert (stats["example"]["count"], stats["parse"]["count"]) == (ran, ran)
