"""What each test costs the plugin: marks parsed once per function, payloads only when needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pytest_qametrics.session import recorder
from pytest_qametrics.slo.spec import SloSpec, specs_from_marker

from .inner_runs import slo_section

PARAMETRIZED = """
import pytest

@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("case", range(40))
def test_many(latency_tracker, case):
    latency_tracker.record("op", 0.001)

@pytest.mark.parametrize(
    "case", [1, pytest.param(2, marks=pytest.mark.slo(max="1ms")), 3]
)
def test_one_case_has_its_own_slo(latency_tracker, case):
    latency_tracker.record("op", 0.002)

def test_metric_free():
    pass
"""

COUNTING_CONFTEST = """
import json, os

counts = {"payloads": 0, "declarations": 0, "reports": 0}

def pytest_runtest_logreport(report):
    counts["reports"] += 1
    counts["payloads"] += hasattr(report, "qametrics")
    counts["declarations"] += hasattr(report, "qametrics_declared")

def pytest_unconfigure(config):
    with open("counts.json", "w") as fh:
        json.dump(counts, fh)
"""


def test_the_slo_marks_of_a_parametrized_function_are_parsed_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = specs_from_marker

    def counting(
        args: tuple[Any, ...], kwargs: Mapping[str, Any], group: str, where: str
    ) -> list[SloSpec]:
        calls.append(where)
        return original(args, kwargs, group, where)

    monkeypatch.setattr(recorder, "specs_from_marker", counting)
    pytester.makepyfile(test_suite=PARAMETRIZED)
    result = pytester.runpytest()
    result.assert_outcomes(passed=44)
    # one parse for test_many's 40 cases; the pytest.param case has marks of its own
    assert calls == [
        "test_suite.py::test_many[0]",
        "test_suite.py::test_one_case_has_its_own_slo[2]",
    ]
    section = slo_section(result)
    assert "PASS     test_suite.py::test_many" in section
    assert "FAIL     test_suite.py::test_one_case_has_its_own_slo" in section
    # the case's own SLO judges the case that declares it
    assert any("max = 2 ms, needs <= 1 ms (n=1" in line for line in section), section


def test_a_metric_free_test_ships_no_payload_and_declares_nothing(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(COUNTING_CONFTEST)
    pytester.makepyfile(test_suite=PARAMETRIZED)
    result = pytester.runpytest()
    result.assert_outcomes(passed=44)
    counts = (pytester.path / "counts.json").read_text(encoding="utf-8")
    # 44 tests x 3 phases; 43 tests record (one payload each), 41 declare SLOs (setup reports)
    assert counts == '{"payloads": 43, "declarations": 41, "reports": 132}'
