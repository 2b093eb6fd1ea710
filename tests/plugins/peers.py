"""Inner projects that run pytest-qametrics together with one or more other pytest plugins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "MODES",
    "PEERS",
    "read_report",
    "series_stats",
    "slo_by_scope",
    "write_ini",
]

#: The other plugins these tests run with, by the name ``-p no:NAME`` blocks; each inner run
#: blocks every one it does not ask for, so one plugin's test is not disturbed by another.
PEERS = (
    "asyncio",
    "rerunfailures",
    "repeat",
    "timeout",
    "randomly",
    "html",
    "html_fixtures",
    "metadata",
    "pytest_cov",
    "hypothesispytest",
)
#: What a plugin needs beside itself (pytest-html reads pytest-metadata).
_NEEDS = {"html": ("html_fixtures", "metadata")}

#: Every plugin is checked in one process and under real xdist workers.
MODES = pytest.mark.parametrize(
    "mode", [pytest.param((), id="serial"), pytest.param(("-n", "2"), id="xdist")]
)


def write_ini(pytester: pytest.Pytester, peers: tuple[str, ...], *lines: str) -> None:
    """Write the inner tox.ini with ``peers`` enabled, every other peer blocked, then ``lines``.

    pytest-benchmark warns under xdist, the cache only adds files, and an in-process run asks
    to rewrite the already imported plugin; blocking a plugin that is not installed is harmless.
    """
    enabled = {name for peer in peers for name in (peer, *_NEEDS.get(peer, ()))}
    blocked = " ".join(f"-p no:{name}" for name in PEERS if name not in enabled)
    addopts = (
        f"-p no:benchmark -p no:cacheprovider -W ignore::pytest.PytestAssertRewriteWarning "
        f"{blocked}"
    )
    pytester.makeini("\n".join(["[pytest]", f"addopts = {addopts}", *lines, ""]))


def read_report(directory: Path) -> dict[str, Any]:
    """Return the report.json a run wrote into ``directory``."""
    data: dict[str, Any] = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    return data


def slo_by_scope(report: dict[str, Any]) -> dict[str, tuple[float | None, int, str]]:
    """Each SLO's (observed, n, verdict) by scope, for reports with one SLO per scope."""
    return {s["scope"]: (s["observed"], s["n"], s["verdict"]) for s in report["slos"]}


def series_stats(report: dict[str, Any], scope: str = "session") -> dict[str, dict[str, Any]]:
    """The statistics of each latency series of ``scope`` by operation name."""
    return {
        s["name"]: s["statistics"]
        for s in report["series"]
        if s["scope"] == scope and s["tracker"] == "latency"
    }
