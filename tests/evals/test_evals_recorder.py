"""The evals fixture records trials and rejects bad input with a clear error."""

from __future__ import annotations

import pytest

from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.trackers.evals import EVALS_COLUMNS, EvalsRecorder, case_of_node


def _recorder() -> tuple[ColumnSeries, EvalsRecorder]:
    series = ColumnSeries(EVALS_COLUMNS)
    return series, EvalsRecorder(series, "test_a.py::test_agent[task1]")


def test_a_trial_is_stored_with_its_case_and_outcome() -> None:
    series, evals = _recorder()
    evals.record(True, score=0.5, case="t1")
    evals.record(False)
    assert list(series.columns["passed"]) == [1, 0]
    assert series.labels == ["t1", "test_a.py::test_agent[task1]"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"passed": "yes"}, "passed must be True or False"),
        ({"passed": True, "score": float("nan")}, "score must be finite"),
        ({"passed": True, "case": 3}, "case must be a str"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs: dict[str, object], message: str) -> None:
    _, evals = _recorder()
    with pytest.raises(ValueError, match=message):
        evals.record(**kwargs)  # type: ignore[arg-type]


def test_the_default_case_drops_a_repeat_suffix() -> None:
    assert case_of_node("t.py::test_x[task1-2-8]") == "t.py::test_x[task1]"
    assert case_of_node("t.py::test_x[2-8]") == "t.py::test_x"
    assert case_of_node("t.py::test_x[task1]") == "t.py::test_x[task1]"


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_the_fixture_records_in_a_real_session(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.parametrize('i', range(4))\n"
        "def test_agent(evals, i):\n    evals.record(i % 2 == 0, case='c')\n"
    )
    pytester.runpytest("-p", "no:cacheprovider", *workers).assert_outcomes(passed=4)
