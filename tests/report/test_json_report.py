"""report.json follows the shipped JSON Schema in passing, failing, xdist and interrupted runs."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from pytest_qametrics.report.model import SCHEMA_VERSION

from .projects import EVALS, FAILING, HOSTILE, INTERRUPTED, PASSING, run_crashing, run_project


def _schema() -> dict[str, Any]:
    text = (resources.files("pytest_qametrics.report") / "schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _problems(report: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]


def test_the_shipped_schema_is_a_valid_draft_2020_12_schema_of_this_version() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {
        "const": SCHEMA_VERSION,
        "description": schema["properties"]["schema_version"]["description"],
    }


@pytest.mark.parametrize(
    ("source", "args", "exit_code"),
    [
        pytest.param(PASSING, (), 0, id="passing"),
        pytest.param(FAILING, (), 1, id="failing"),
        pytest.param(FAILING, ("-n", "2"), 1, id="xdist"),
        pytest.param(INTERRUPTED, (), 2, id="interrupted"),
        pytest.param(HOSTILE, (), 0, id="hostile-names"),
        pytest.param(EVALS, (), 0, id="evals"),
        pytest.param(EVALS, ("-n", "2"), 0, id="evals-xdist"),
    ],
)
def test_every_kind_of_run_writes_a_report_the_schema_accepts(
    pytester: pytest.Pytester, source: str, args: tuple[str, ...], exit_code: int
) -> None:
    run = run_project(pytester, source, *args)

    assert run.result.ret == exit_code
    assert _problems(run.report) == []


def test_a_run_with_a_history_file_writes_trends_the_schema_accepts(
    pytester: pytest.Pytester,
) -> None:
    history = f"--qametrics-history={pytester.path / 'history.db'}"
    run_project(pytester, PASSING, history)
    report = run_project(pytester, PASSING, history).report

    assert report["trends"]
    assert all(len(points) == 2 for points in report["trends"].values())
    assert _problems(report) == []


def test_a_failing_run_reports_each_slo_with_its_group_tests_and_place(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, FAILING).report

    search = next(s for s in report["slos"] if s["statistic"] == "p95")
    assert (search["verdict"], search["counted_as"], search["n"]) == ("fail", "fail", 20)
    assert search["node_ids"] == [f"test_project.py::test_search[{i}]" for i in range(20)]
    assert search["location"] == {"file": "test_project.py", "line": 3}  # its first decorator
    warned = next(s for s in report["slos"] if s["statistic"] == "escalation_rate")
    assert (warned["verdict"], warned["counted_as"]) == ("pass", "pass")
    assert report["summary"] == {
        "verdict": "fail",
        "slos": 3,
        "failed": 2,
        "warnings": 0,
        "tests": {"passed": 22, "failed": 1},
    }


def test_each_test_row_says_how_it_ended_what_it_fed_and_where_it_ran(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, FAILING, "-n", "2").report

    rows = {row["nodeid"]: row for row in report["tests"]}
    assert rows["test_project.py::test_broken"]["outcome"] == "failed"
    assert rows["test_project.py::test_conversations"]["series"] == [
        "escalation:default",
        "metric:cost_usd",
    ]
    assert {row["worker"] for row in rows.values()} == {"gw0", "gw1"}
    assert report["run"]["xdist_workers"] == 2
    assert all(isinstance(row["duration"], float) for row in rows.values())


def test_test_rows_are_in_node_id_order_with_numbers_in_numeric_order(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, FAILING, "-n", "2").report

    search = [row["nodeid"] for row in report["tests"] if "test_search" in row["nodeid"]]
    assert search == [f"test_project.py::test_search[{i}]" for i in range(20)]


def test_an_interrupted_run_still_writes_its_reports_marked_interrupted(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, INTERRUPTED).report

    assert (report["run"]["interrupted"], report["run"]["exit_status"]) == (True, 2)
    outcomes = {row["nodeid"].split("::")[1]: row["outcome"] for row in report["tests"]}
    assert outcomes == {
        "test_ctrl_c": "interrupted",
        "test_step[0]": "passed",
        "test_step[1]": "passed",
        "test_step[2]": "passed",
    }
    assert [(s["n"], s["verdict"]) for s in report["slos"]] == [(3, "pass")]


def test_latency_rows_carry_a_compact_histogram_and_cdf_and_no_raw_samples(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, FAILING).report

    search = next(s for s in report["series"] if s["name"] == "search")
    histogram, cdf = search["distribution"]["histogram"], search["distribution"]["cdf"]
    assert sum(histogram["counts"]) + histogram["zeros"] == 20
    assert sum(histogram["failed"]) == 1
    assert (histogram["low"], histogram["high"]) == (0.02, pytest.approx(0.21))
    assert cdf[0] == [0.02, 0.0]
    assert cdf[-1] == [pytest.approx(0.21), 1.0]
    assert [value for value, _ in cdf] == sorted(value for value, _ in cdf)
    assert len(json.dumps(search["distribution"])) < 2000


def test_two_identical_runs_differ_only_in_times_and_run_ids(pytester: pytest.Pytester) -> None:
    first = run_project(pytester, FAILING).report
    second = run_project(pytester, FAILING).report

    def timeless(report: dict[str, Any]) -> dict[str, Any]:
        run = {k: v for k, v in report["run"].items() if k not in ("started", "duration", "id")}
        tests = [{**row, "duration": None} for row in report["tests"]]
        call_rows = [s for s in report["series"] if s["name"] == "(call durations)"]
        assert call_rows == []  # call durations would differ: this project records its own
        return {**report, "run": run, "tests": tests}

    assert timeless(first) == timeless(second)


def test_the_test_a_lost_worker_was_running_counts_as_crashed(pytester: pytest.Pytester) -> None:
    run = run_crashing(pytester)
    report = run.report

    assert _problems(report) == []
    [lost] = report["lost_workers"]
    crashed = [row for row in report["tests"] if row["outcome"] == "crashed"]
    assert [(row["nodeid"], row["worker"]) for row in crashed] == [
        ("test_project.py::test_crash", lost["worker"])
    ]
    assert report["slos"][0]["lost_from"] == [lost["worker"]]


def test_the_html_page_draws_a_trend_line_for_slos_with_history(
    pytester: pytest.Pytester,
) -> None:
    history = f"--qametrics-history={pytester.path / 'history.db'}"
    run_project(pytester, PASSING, history)
    run_project(pytester, PASSING, history)
    page = (pytester.path / "report" / "report.html").read_text(encoding="utf-8")

    assert page.count('<svg class="chart sparkline"') >= 1
    assert "last 2 runs: run 1:" in page
