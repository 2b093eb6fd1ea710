"""report.json, JUnit and the HTML headline give the verdict the exit code gives, under -n 2."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from inner_projects import read_report, write_ini


def test_a_lost_worker_makes_every_machine_readable_verdict_fail_like_the_exit_code(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_work="""
        import os
        import pytest

        @pytest.mark.slo(group="work", p95=1.0)
        @pytest.mark.parametrize("case", range(4))
        def test_work(latency_tracker, case):
            latency_tracker.record("work", 0.1)

        def test_crash():
            os._exit(1)
        """
    )

    result = pytester.runpytest_subprocess(
        "-n", "2", "--qametrics-report", "--qametrics-report-dir=r", "--junitxml=junit.xml"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = read_report(pytester.path / "r")
    assert report["lost_workers"] != []
    assert [s["verdict"] for s in report["slos"]] == ["pass"]  # the SLO itself was met
    assert report["summary"]["verdict"] == "fail"
    suite = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["qametrics_verdict"] == "fail"
    html = (pytester.path / "r" / "report.html").read_text(encoding="utf-8")
    assert "INCOMPLETE" in html
