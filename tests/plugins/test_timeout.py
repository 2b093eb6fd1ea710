"""pytest-timeout: what a test killed by its timeout keeps, and that such a run never passes."""

from __future__ import annotations

import pytest

from .peers import MODES, read_report, slo_by_scope, write_ini

# test_hangs records three samples, then hangs past its timeout; test_quick is unaffected.
HANGING = """
import time

import pytest

@pytest.mark.slo(p95=1.0)
@pytest.mark.timeout(1.5)
def test_hangs(latency_tracker):
    for seconds in (0.1, 0.2, 0.3):
        latency_tracker.record("call", seconds)
    time.sleep(60)

@pytest.mark.slo(p95=1.0)
def test_quick(latency_tracker):
    latency_tracker.record("call", 0.05)
"""

REPORT = ("--qametrics-report", "--qametrics-report-dir=r")


@MODES
def test_the_signal_method_keeps_the_samples_recorded_before_the_timeout(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("timeout",), "timeout_method = signal")
    pytester.makepyfile(test_hang=HANGING)

    result = pytester.runpytest(*REPORT, *mode)

    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*Failed: Timeout*", "*qametrics SLOs*", "qametrics: all 2 SLOs met"]
    )
    report = read_report(pytester.path / "r")
    assert slo_by_scope(report) == {
        "test_hang.py::test_hangs": (0.3, 3, "pass"),
        "test_hang.py::test_quick": (0.05, 1, "pass"),
    }
    outcomes = {t["nodeid"]: t["outcome"] for t in report["tests"]}
    assert outcomes == {"test_hang.py::test_hangs": "failed", "test_hang.py::test_quick": "passed"}


def test_the_thread_method_ends_a_serial_run_with_exit_code_1_and_writes_nothing(
    pytester: pytest.Pytester,
) -> None:
    # The thread method dumps the stacks and calls os._exit(1): no hook runs after it, so the
    # summary, the reports and the history of the run are lost, but the run cannot pass.
    write_ini(pytester, ("timeout",), "timeout_method = thread")
    pytester.makepyfile(test_hang=HANGING)

    result = pytester.runpytest_subprocess(*REPORT, "-p", "no:xdist")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*+ Timeout +*"])
    assert "qametrics SLOs" not in result.stdout.str()
    assert not (pytester.path / "r" / "report.json").exists()


def test_the_thread_method_under_xdist_loses_one_worker_and_fails_the_run(
    pytester: pytest.Pytester,
) -> None:
    # Under xdist os._exit(1) ends only the worker running the hung test: the tests it finished
    # before arrived with their reports; the hung test's samples are lost, and said to be.
    write_ini(pytester, ("timeout",), "timeout_method = thread")
    pytester.makepyfile(test_hang=HANGING)

    result = pytester.runpytest(*REPORT, "-n", "2")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["LOST     worker gw* was lost while running test_hang.py::test_hangs*"]
    )
    report = read_report(pytester.path / "r")
    slos = slo_by_scope(report)
    assert slos["test_hang.py::test_quick"] == (0.05, 1, "pass")
    assert slos["test_hang.py::test_hangs"][1:] == (0, "no_data")
    assert [w["running"] for w in report["lost_workers"]] == ["test_hang.py::test_hangs"]
