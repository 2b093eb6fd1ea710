"""Labels of different types that print alike (int 1, str "1") fail the run, never pool silently."""

from __future__ import annotations

import pytest
from inner_projects import read_report, write_ini

INT_LABELS = """
import pytest

@pytest.mark.slo(group="intents", accuracy=0.5)
def test_int_labels(accuracy_tracker):
    for _ in range(5):
        accuracy_tracker.record(1, 1)
"""

STR_LABELS = """
import pytest

@pytest.mark.slo(group="intents", accuracy=0.5)
def test_str_labels(accuracy_tracker):
    for _ in range(5):
        accuracy_tracker.record("1", "1")
"""


@pytest.mark.parametrize(
    "run", [(), ("-n", "2", "--dist", "loadfile")], ids=["serial", "two_workers"]
)
def test_int_and_str_labels_from_different_tests_are_a_problem_that_fails_the_run(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ints=INT_LABELS, test_strs=STR_LABELS)

    result = pytester.runpytest(*run, "--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.outlines
    problems = read_report(pytester.path / "r")["problems"]
    clash = [p for p in problems if "labels of different types" in p]
    assert len(clash) == 1, problems
    assert "1 (int) and '1' (str)" in clash[0] or "'1' (str) and 1 (int)" in clash[0]
    assert "test_ints.py::test_int_labels" in clash[0]
    assert "test_strs.py::test_str_labels" in clash[0]
    assert "str(label)" in clash[0]
    assert "labels of different types" in result.stdout.str()


def test_labels_of_one_type_raise_no_problem(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_ints=INT_LABELS, test_more=INT_LABELS.replace("test_int", "test_more"))

    result = pytester.runpytest("-n", "2", "--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert read_report(pytester.path / "r")["problems"] == []
