"""Inner projects for the export tests: a shop whose SLOs pass or fail on demand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["BASE_ADDOPTS", "SHOP", "Sample", "read_report", "run_shop", "samples_of", "write_ini"]

#: As in tests/integration: plugins that slow down or disturb in-process inner runs stay off.
BASE_ADDOPTS = (
    "-p no:benchmark -p no:randomly -p no:hypothesispytest -p no:cacheprovider"
    " -W ignore::pytest.PytestAssertRewriteWarning"
    " -p no:asyncio -p no:rerunfailures -p no:repeat -p no:timeout -p no:html -p no:html_fixtures"
    " -p no:metadata -p no:pytest_cov"
)

#: 400 checkout latencies from 2 ms to 243 ms (0.002 * e^(k/20) for k = 0..96, ten per test),
#: 30 search latencies, a classifier and an escalation tracker. ``@P95@`` is the checkout SLO's
#: threshold, so the same project passes or fails on demand.
SHOP = """
import math
import pytest

@pytest.mark.slo(p95=@P95@, operation="checkout", group="shop")
@pytest.mark.parametrize("case", range(40))
def test_checkout(latency_tracker, case):
    for i in range(10):
        latency_tracker.record("checkout", 0.002 * math.exp((case * 10 + i) % 97 / 20))

@pytest.mark.slo(p95=1.0, operation="search", group="shop")
@pytest.mark.parametrize("case", range(3))
def test_search(latency_tracker, case):
    for i in range(10):
        latency_tracker.record("search", 0.001 * (i + 1))

@pytest.mark.slo(accuracy=0.5)
def test_intent(accuracy_tracker):
    for actual, predicted in [("billing", "billing")] * 8 + [("returns", "billing")] * 2:
        accuracy_tracker.record(predicted, actual)

@pytest.mark.slo(escalation_rate=0.5)
def test_conversations(escalation_tracker, metrics):
    escalation_tracker.record("resolved_automatically")
    escalation_tracker.record("escalated_to_agent", reason="complex_issue")
    metrics.record("cost_usd", 0.25)
"""


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """Write the inner project's tox.ini: the base options, then ``lines`` verbatim."""
    pytester.makeini("\n".join(["[pytest]", f"addopts = {BASE_ADDOPTS}", *lines, ""]))


def run_shop(
    pytester: pytest.Pytester, *args: str, p95: float = 1.0, subprocess: bool = False
) -> pytest.RunResult:
    """Run SHOP with ``--qametrics-report`` into ``report/`` and the extra ``args``."""
    pytester.makepyfile(test_shop=SHOP.replace("@P95@", repr(p95)))
    report = f"--qametrics-report-dir={pytester.path / 'report'}"
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    return run("--qametrics-report", report, *args)


def read_report(pytester: pytest.Pytester) -> dict[str, Any]:
    """The inner run's report.json."""
    data: dict[str, Any] = json.loads((pytester.path / "report" / "report.json").read_text())
    return data


Sample = tuple[str, dict[str, str], float]


def samples_of(text: str, name: str, **labels: str) -> list[Sample]:
    """Every sample called ``name`` in a text-format page whose labels include ``labels``."""
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]


def latency_row(report: dict[str, Any], scope: str, operation: str) -> dict[str, Any]:
    """The report's latency series row of one operation of one scope."""
    rows: list[dict[str, Any]] = [
        row
        for row in report["series"]
        if row["tracker"] == "latency" and row["scope"] == scope and row["name"] == operation
    ]
    assert len(rows) == 1, rows
    return rows[0]


def shop_prom(pytester: pytest.Pytester) -> Path:
    """Where a run writes its textfile when given ``--qametrics-prometheus=`` this path."""
    return pytester.path / "out" / "shop.prom"
