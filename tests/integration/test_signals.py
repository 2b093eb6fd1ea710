"""SIGTERM ends a run like Ctrl-C, and a double Ctrl-C leaves reports that say "interrupted"."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from typing import Any

import pytest

SLOW_SUITE = """
import pathlib
import time
import pytest

@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("case", range(200))
def test_slow(latency_tracker, case):
    pathlib.Path("started").touch()
    with latency_tracker.measure("op"):
        time.sleep(0.05)
"""


def interrupt(pytester: pytest.Pytester, signals: list[signal.Signals], *args: str) -> int:
    """Start the slow suite, send ``signals`` 20 ms apart once a test runs; its exit code."""
    pytester.makepyfile(test_slow=SLOW_SUITE)
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
    command += ["--qametrics-report", "--qametrics-report-dir=r", *args]
    process = subprocess.Popen(
        command, cwd=pytester.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not (pytester.path / "started").exists():
        assert time.monotonic() < deadline, "the suite never started"
        assert process.poll() is None, "the suite ended before it could be interrupted"
        time.sleep(0.02)
    time.sleep(0.3)
    for number in signals:
        process.send_signal(number)
        time.sleep(0.02)
    return process.wait(timeout=60)


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "r" / "report.json").read_text("utf-8"))
    return data


def test_sigterm_is_handled_like_ctrl_c_and_the_reports_say_so(
    pytester: pytest.Pytester,
) -> None:
    code = interrupt(pytester, [signal.SIGTERM])

    assert code == pytest.ExitCode.INTERRUPTED
    written = report(pytester)
    assert (written["run"]["interrupted"], written["run"]["exit_status"]) == (True, 2)
    assert written["summary"]["verdict"] == "interrupted"
    html = (pytester.path / "r" / "report.html").read_text(encoding="utf-8")
    assert "INTERRUPTED" in html


def test_a_double_ctrl_c_leaves_a_report_and_a_history_that_say_interrupted(
    pytester: pytest.Pytester,
) -> None:
    history = pytester.path / "history.db"

    interrupt(pytester, [signal.SIGINT, signal.SIGINT], f"--qametrics-history={history}")

    written = report(pytester)
    assert written["run"]["interrupted"] is True
    assert written["run"]["exit_status"] == 2
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT exit_status FROM runs").fetchall() == [(2,)]


def test_sigterm_under_xdist_is_an_interrupted_run_with_reports(pytester: pytest.Pytester) -> None:
    code = interrupt(pytester, [signal.SIGTERM], "-n", "2")

    assert code == pytest.ExitCode.INTERRUPTED
    written = report(pytester)
    assert written["run"]["interrupted"] is True
    assert written["summary"]["verdict"] == "interrupted"
