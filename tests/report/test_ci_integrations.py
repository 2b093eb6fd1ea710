"""CI reads the verdicts: JUnit XML suite properties, a GitHub job summary and annotations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from pytest_qametrics.report.ci import annotation_path, github_annotations
from pytest_qametrics.report.markdown import markdown_summary

from .projects import FAILING, HOSTILE, PASSING, SCRIPT, run_project

SEARCH_P95 = "qametrics_slo test_project.py::test_search latency[operation=search] p95"


def _suite_properties(path: Path) -> dict[str, str]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return {p.attrib["name"]: p.attrib["value"] for p in suite.iterfind("properties/property")}


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_junit_xml_carries_the_overall_verdict_and_each_slo_as_suite_properties(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    run_project(pytester, FAILING, "--junitxml=junit.xml", *args)

    properties = _suite_properties(pytester.path / "junit.xml")
    assert properties["qametrics_verdict"] == "fail"
    assert properties[SEARCH_P95] == "fail"
    assert properties["qametrics_slo test_project.py::test_intent accuracy accuracy"] == "fail"
    assert len(properties) == 4


def test_junit_xml_of_a_run_without_slos_has_no_qametrics_properties(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest("--junitxml=junit.xml")

    assert _suite_properties(pytester.path / "junit.xml") == {}


def test_the_github_job_summary_gets_a_markdown_table_appended(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = pytester.path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    pytester.makepyfile(test_project=FAILING)
    pytester.runpytest()  # no --qametrics-report needed

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### \u274c qametrics: 2 of 3 SLOs failed\n")
    assert (
        "| \u274c FAIL | latency\\[operation=search\\] p95 | test\\_project.py::test\\_search "
        "| 200 ms | &lt;= 50 ms | 20 |"
    ) in text.splitlines()


def test_on_github_actions_failed_slos_are_annotated_at_their_tests_file_and_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    pytester.makepyfile(test_project=FAILING)
    result = pytester.runpytest()

    annotations = [line for line in result.outlines if line.startswith("::")]
    assert annotations == [
        "::error file=test_project.py,line=8,title=qametrics SLO fail::accuracy accuracy = 80%25, "
        "needs >= 99%25 (n=10, classifications, group test_project.py::test_intent)",
        "::error file=test_project.py,line=3,title=qametrics SLO fail::latency[operation=search] "
        "p95 = 200 ms, needs <= 50 ms (n=20, latency samples, group test_project.py::test_search)",
    ]


def test_outside_github_actions_nothing_is_annotated(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_project=FAILING)
    result = pytester.runpytest()

    assert not [line for line in result.outlines if line.startswith("::")]


def test_a_passing_run_annotates_nothing_and_summarises_in_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    result = run_project(pytester, PASSING).result

    assert not [line for line in result.outlines if line.startswith("::")]
    assert summary.read_text(encoding="utf-8").splitlines()[0] == (
        "### \u2705 qametrics: the 1 SLO was met"
    )


def _slo(**changes: Any) -> dict[str, Any]:
    slo = {
        "scope": "g",
        "target": "latency",
        "statistic": "p95",
        "tracker": "latency",
        "per": None,
        "part": None,
        "comparison": "<=",
        "threshold": 0.5,
        "observed": 0.75,
        "n": 9,
        "source": "latency samples",
        "verdict": "fail",
        "counted_as": "fail",
        "reason": "",
        "location": {"file": "t.py", "line": 4},
    }
    return {**slo, **changes}


def test_annotation_text_escapes_workflow_command_characters() -> None:
    report = {"slos": [_slo(scope="a\nb 100%", location={"file": "d:x,y.py", "line": 2})]}

    [line] = github_annotations(report, Path("/repo"), None)

    assert line.startswith("::error file=d%3Ax%2Cy.py,line=2,title=qametrics SLO fail::")
    assert line.endswith("group a%0Ab 100%25)")


def test_warned_slos_become_warnings_and_session_slos_have_no_file() -> None:
    report = {"slos": [_slo(counted_as="warn", verdict="no_data", location=None, observed=None)]}

    assert github_annotations(report, Path("/repo"), None) == [
        "::warning title=qametrics SLO no data::latency p95 <= 500 ms:  (group g)"
    ]


def test_annotation_paths_are_relative_to_the_github_workspace(tmp_path: Path) -> None:
    rootdir = tmp_path / "repo" / "python"

    assert annotation_path("tests/t.py", rootdir, tmp_path / "repo") == "python/tests/t.py"
    assert annotation_path("tests/t.py", rootdir, tmp_path / "elsewhere") == "tests/t.py"
    assert annotation_path("tests/t.py", rootdir, None) == "tests/t.py"


def test_the_markdown_summary_shows_hostile_names_as_inert_text(
    pytester: pytest.Pytester,
) -> None:
    report = run_project(pytester, HOSTILE).report

    text = markdown_summary(report)
    assert SCRIPT not in text
    assert "latency\\[operation=&lt;script&gt;alert(1)&lt;/script&gt;\\] p95" in text
