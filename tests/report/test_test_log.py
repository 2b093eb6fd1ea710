"""The per-test log folds setup, call and teardown into one row, as pytest's summary counts."""

from __future__ import annotations

import pytest

from pytest_qametrics.samples.testlog import TestLog

LOCATION = ("tests/test_x.py", 9, "test_x")


def _run(log: TestLog, nodeid: str, *phases: tuple[str, str], xfail: bool = False) -> None:
    for when, outcome in phases:
        log.phase(nodeid, when, outcome, 0.25 if when == "call" else 0.0, None, LOCATION, xfail)


@pytest.mark.parametrize(
    ("phases", "xfail", "outcome"),
    [
        ((("setup", "passed"), ("call", "passed"), ("teardown", "passed")), False, "passed"),
        ((("setup", "passed"), ("call", "failed"), ("teardown", "passed")), False, "failed"),
        ((("setup", "failed"), ("teardown", "passed")), False, "error"),
        ((("setup", "passed"), ("call", "passed"), ("teardown", "failed")), False, "error"),
        ((("setup", "passed"), ("call", "failed"), ("teardown", "failed")), False, "failed"),
        ((("setup", "skipped"), ("teardown", "passed")), False, "skipped"),
        ((("setup", "passed"), ("call", "skipped"), ("teardown", "passed")), True, "xfailed"),
        ((("setup", "passed"), ("call", "passed"), ("teardown", "passed")), True, "xpassed"),
    ],
)
def test_phases_fold_into_the_outcome_pytest_would_count(
    phases: tuple[tuple[str, str], ...], xfail: bool, outcome: str
) -> None:
    log = TestLog()
    _run(log, "t.py::test", *phases, xfail=xfail)

    assert [row[1] for row in log.finished()] == [outcome]


def test_a_row_has_the_call_duration_and_a_one_based_line() -> None:
    log = TestLog()
    _run(log, "t.py::test", ("setup", "passed"), ("call", "passed"), ("teardown", "passed"))

    assert log.finished() == [("t.py::test", "passed", 0.25, None, "tests/test_x.py", 10)]


def test_a_test_that_never_reached_its_call_has_no_duration() -> None:
    log = TestLog()
    _run(log, "t.py::test", ("setup", "skipped"), ("teardown", "passed"))

    assert log.finished()[0][2] is None


def test_a_test_still_running_when_the_run_stops_counts_as_interrupted() -> None:
    log = TestLog()
    _run(log, "t.py::test", ("setup", "passed"))

    assert [row[1] for row in log.finished()] == ["interrupted"]


def test_a_test_whose_worker_crashed_counts_as_crashed() -> None:
    log = TestLog()
    log.phase("t.py::test", "setup", "passed", 0.0, "gw1", LOCATION)
    log.crashed("t.py::test", "gw1")

    assert log.finished() == [("t.py::test", "crashed", None, "gw1", "tests/test_x.py", 10)]


def test_the_same_test_on_two_workers_is_two_rows_and_keeps_its_series() -> None:
    log = TestLog()
    for worker in ("gw1", "gw0"):
        log.phase("t.py::test", "setup", "passed", 0.0, worker)
        log.fed("t.py::test", worker, ("latency:op",))
        log.phase("t.py::test", "teardown", "passed", 0.0, worker)

    assert [row[3] for row in log.finished()] == ["gw0", "gw1"]
    assert log.series_of("t.py::test", "gw0") == ("latency:op",)


def test_rows_sort_by_node_id_with_numbers_in_numeric_order() -> None:
    log = TestLog()
    for nodeid in ("t.py::test[10]", "t.py::test[9]", "t.py::a", "t.py::test[1]"):
        log.phase(nodeid, "teardown", "passed", 0.0)

    assert [row[0] for row in log.finished()] == [
        "t.py::a",
        "t.py::test[1]",
        "t.py::test[9]",
        "t.py::test[10]",
    ]
