"""The README's hypothesis patterns: every example hypothesis runs records into the test."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section

GIVEN = """
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pytest_qametrics import timed

@pytest.mark.slo(max="<=1s", operation="parse")
@settings(max_examples=10, database=None, derandomize=True)
@given(st.integers())
def test_parse_with_timed(number):
    with timed("parse"):
        int(str(number))

@pytest.mark.slo(max="<=1s", operation="parse")
@settings(
    max_examples=10,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(number=st.integers())
def test_parse_with_the_fixture(latency_tracker, number):
    with latency_tracker.measure("parse"):
        int(str(number))
"""


def test_given_examples_pool_into_their_test_through_timed_or_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_given=GIVEN)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    section = slo_section(result)
    assert section[0] == "PASS     test_given.py::test_parse_with_the_fixture"
    assert section[1].endswith("(n=10, latency samples)")
    assert section[2] == "PASS     test_given.py::test_parse_with_timed"
    assert section[3].endswith("(n=10, latency samples)")
