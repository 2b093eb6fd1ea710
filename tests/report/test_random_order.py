"""Under pytest-randomly, two runs of the same tests write the same SLO rows in the same order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .projects import BASE_ADDOPTS

SHUFFLED = """
import pytest

@pytest.mark.slo(p95=1.0, group="shared")
@pytest.mark.parametrize("case", range(4))
def test_a(latency_tracker, case):
    latency_tracker.record("lookup", 0.01 + case / 10)

@pytest.mark.slo(max=2.0, group="shared")
def test_b(latency_tracker):
    latency_tracker.record("lookup", 0.2)

@pytest.mark.slo(p50=1.0)
def test_c(latency_tracker):
    latency_tracker.record("lookup", 0.2)
"""


def _timeless(report: dict[str, Any]) -> dict[str, Any]:
    run = {k: v for k, v in report["run"].items() if k not in ("started", "duration", "id")}
    tests = [{**row, "duration": None} for row in report["tests"]]
    series = [s for s in report["series"] if s["name"] != "(call durations)"]
    return {**report, "run": run, "tests": tests, "series": series}


def test_reports_do_not_depend_on_the_random_test_order(pytester: pytest.Pytester) -> None:
    addopts = BASE_ADDOPTS.replace("-p no:randomly", "-p randomly")
    pytester.makeini(f"[pytest]\naddopts = {addopts}\n")
    pytester.makepyfile(test_shuffled=SHUFFLED)

    csv, reports = set(), []
    for seed in (1, 2, 3, 4):  # orders that differ in which case of test_a runs first
        result = pytester.runpytest(
            f"--randomly-seed={seed}", "--qametrics-report", f"--qametrics-report-dir=r{seed}"
        )
        assert result.ret == pytest.ExitCode.OK, result.outlines
        csv.add((pytester.path / f"r{seed}" / "slos.csv").read_text("utf-8"))
        reports.append(_timeless(json.loads((pytester.path / f"r{seed}/report.json").read_text())))

    assert len(csv) == 1
    assert all(report == reports[0] for report in reports)
    assert [slo["declared_at"] for slo in reports[0]["slos"]] == [
        "@pytest.mark.slo on test_shuffled.py::test_a[0]",
        "@pytest.mark.slo on test_shuffled.py::test_b",
        "@pytest.mark.slo on test_shuffled.py::test_c",
    ]
