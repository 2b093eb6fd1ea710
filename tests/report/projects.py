"""Inner projects whose reports the tests read: passing, failing, hostile names, interrupted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "BASE_ADDOPTS",
    "CRASHING",
    "EVALS",
    "FAILING",
    "HOSTILE",
    "INTERRUPTED",
    "PASSING",
    "SCRIPT",
    "Run",
    "run_crashing",
    "run_project",
    "write_ini",
]

#: As in tests/integration: plugins that slow down or disturb in-process inner runs stay off.
#: The other plugins tests/plugins runs with (pytest-asyncio, -rerunfailures, -repeat, -timeout,
#: -randomly, -html with -metadata, -cov) are dev dependencies: off here, as before they were.
BASE_ADDOPTS = (
    "-p no:benchmark -p no:randomly -p no:hypothesispytest -p no:cacheprovider"
    " -W ignore::pytest.PytestAssertRewriteWarning"
    " -p no:asyncio -p no:rerunfailures -p no:repeat -p no:timeout -p no:html -p no:html_fixtures"
    " -p no:metadata -p no:pytest_cov"
)
#: A name that must reach every page as text and never run.
SCRIPT = "<script>alert(1)</script>"

PASSING = """
import pytest

@pytest.mark.slo(p95=1.0, operation="checkout")
@pytest.mark.parametrize("order", range(12))
def test_checkout(latency_tracker, order):
    latency_tracker.record("checkout", 0.010 + order / 1000)

def test_plain():
    pass
"""

FAILING = """
import pytest

@pytest.mark.slo(p95=0.05, operation="search")
@pytest.mark.parametrize("query", range(20))
def test_search(latency_tracker, query):
    latency_tracker.record("search", 0.02 + query / 100, success=query != 3)

@pytest.mark.slo(accuracy=0.99)
def test_intent(accuracy_tracker):
    for actual, predicted in [("billing", "billing")] * 8 + [("returns", "billing")] * 2:
        accuracy_tracker.record(predicted, actual)

@pytest.mark.slo(escalation_rate=0.5, severity="warn")
def test_conversations(escalation_tracker, metrics):
    escalation_tracker.record("resolved_automatically")
    escalation_tracker.record("escalated_to_agent", reason="complex_issue")
    metrics.record("cost_usd", 0.25)

def test_broken():
    assert False
"""

EVALS = f"""
import pytest

@pytest.mark.parametrize("case", ["refund", "hours"])
@pytest.mark.slo(group="agent", pass_hat_k=0.2, k=2, pass_rate=0.5, confidence=0.9, trials=4)
@pytest.mark.slo(group="agent", flaky_cases=1, severity="warn")
def test_agent(case, qametrics_trial, evals):
    evals.record(case == "hours" or qametrics_trial != 2)

@pytest.mark.slo(score_mean=0.5)
def test_scored(evals):
    evals.record(True, score=0.9, case={SCRIPT!r})
    evals.record(False, score=0.1, case={SCRIPT!r}, answer="wrong")
"""

HOSTILE = f"""
import pytest

SCRIPT = {SCRIPT!r}

@pytest.mark.slo(p95=1.0, operation=SCRIPT)
@pytest.mark.parametrize("name", [SCRIPT, "<img src=x onerror=alert(2)>"])
def test_names(latency_tracker, accuracy_tracker, metrics, name):
    latency_tracker.record(SCRIPT, 0.01)
    accuracy_tracker.record(SCRIPT, "<b>bold</b>")
    accuracy_tracker.record("<b>bold</b>", "<b>bold</b>")
    metrics.record(SCRIPT, -1.5)
"""

INTERRUPTED = """
import pytest

@pytest.mark.slo(p95=1.0, operation="step")
@pytest.mark.parametrize("step", range(3))
def test_step(latency_tracker, step):
    latency_tracker.record("step", 0.01)

def test_ctrl_c(latency_tracker):
    latency_tracker.record("step", 0.02)
    raise KeyboardInterrupt

def test_never_runs():
    pass
"""

CRASHING = """
import os
import pytest

@pytest.mark.slo(p95=1.0, group="work")
@pytest.mark.parametrize("case", range(6))
def test_work(latency_tracker, case):
    latency_tracker.record("work", 0.01 * (case + 1))

@pytest.mark.slo(p95=1.0, group="work")
def test_crash(latency_tracker):
    latency_tracker.record("work", 0.5)
    os._exit(1)
"""


@dataclass(frozen=True)
class Run:
    """One inner run: its pytester result and the report directory it wrote."""

    result: pytest.RunResult
    directory: Path

    @property
    def report(self) -> dict[str, Any]:
        """The run's report.json."""
        data: dict[str, Any] = json.loads((self.directory / "report.json").read_text("utf-8"))
        return data

    @property
    def html(self) -> Path:
        """The run's report.html."""
        return self.directory / "report.html"


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """Write the inner project's tox.ini: the base options, then ``lines`` verbatim."""
    pytester.makeini("\n".join(["[pytest]", f"addopts = {BASE_ADDOPTS}", *lines, ""]))


def run_project(pytester: pytest.Pytester, source: str, *args: str) -> Run:
    """Run ``source`` as test_project.py with --qametrics-report into ``report/``."""
    pytester.makepyfile(test_project=source)
    directory = pytester.path / "report"
    # An inner Ctrl-C ends the inner run only (pytester re-raises it in the outer one otherwise).
    result = pytester.runpytest(
        "--qametrics-report", f"--qametrics-report-dir={directory}", *args, no_reraise_ctrlc=True
    )
    return Run(result, directory)


def run_crashing(pytester: pytest.Pytester) -> Run:
    """Run CRASHING under two xdist workers in a subprocess (one worker dies)."""
    pytester.makepyfile(test_project=CRASHING)
    directory = pytester.path / "report"
    result = pytester.runpytest_subprocess(
        "-n", "2", "--qametrics-report", f"--qametrics-report-dir={directory}"
    )
    return Run(result, directory)
