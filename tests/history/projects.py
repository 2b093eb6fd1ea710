"""Inner pytest projects that record seeded latencies, and readers of their output."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "BASE_ADDOPTS",
    "HISTORY",
    "checkout_suite",
    "read_report",
    "slo_section",
    "write_ini",
]

#: As tests/integration: no plugins that slow or reorder in-process runs.
#: The other plugins tests/plugins runs with (pytest-asyncio, -rerunfailures, -repeat, -timeout,
#: -randomly, -html with -metadata, -cov) are dev dependencies: off here, as before they were.
BASE_ADDOPTS = (
    "-p no:benchmark -p no:randomly -p no:hypothesispytest -p no:cacheprovider"
    " -W ignore::pytest.PytestAssertRewriteWarning"
    " -p no:asyncio -p no:rerunfailures -p no:repeat -p no:timeout -p no:html -p no:html_fixtures"
    " -p no:metadata -p no:pytest_cov"
)
#: The option that appends each run to ``h.db`` in the inner project.
HISTORY = "--qametrics-history=h.db"


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """Write the inner project's pytest.ini: the base options, then ``lines`` verbatim."""
    pytester.makeini("\n".join(["[pytest]", f"addopts = {BASE_ADDOPTS}", *lines, ""]))


def checkout_suite(
    pytester: pytest.Pytester,
    *,
    factor: float = 1.0,
    seed: int = 1,
    n: int = 400,
    sigma: float = 0.3,
    slo: str = "p95_regression='10%'",
) -> None:
    """Write test_api.py: ``n`` lognormal checkout latencies (median 50 ms) times ``factor``."""
    pytester.makepyfile(
        test_api=textwrap.dedent(
            f"""
            import random

            import pytest


            @pytest.mark.slo({slo}, operation="checkout")
            def test_checkout(latency_tracker):
                rng = random.Random({seed})
                for _ in range({n}):
                    seconds = rng.lognormvariate(-3.0, {sigma}) * {factor}
                    latency_tracker.record("checkout", seconds, success=rng.random() > 0.02)
            """
        )
    )


def slo_section(result: pytest.RunResult) -> list[str]:
    """The lines of the qametrics section, without its header (empty when there is none)."""
    lines = result.outlines
    starts = [
        i for i, line in enumerate(lines) if "qametrics SLOs" in line and line.startswith("=")
    ]
    if not starts:
        return []
    section = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("=") or (line and line[0].isdigit() and " in " in line):
            break
        section.append(line)
    return section


def read_report(directory: Path) -> dict[str, Any]:
    """The report.json of a report directory."""
    report: dict[str, Any] = json.loads((directory / "report.json").read_text("utf-8"))
    return report
