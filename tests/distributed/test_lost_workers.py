"""A crashed worker, a damaged payload or lost worker totals are said out loud and fail the run."""

from __future__ import annotations

import re

import numpy as np
import pytest
from inner_projects import grid_latencies, nearest_rank, read_report, write_ini

WORK = grid_latencies(np.random.default_rng(3), 8)
WORK_P95 = nearest_rank(WORK, 0.95)


def write_crashing_suite(pytester: pytest.Pytester) -> None:
    """Eight tests of group ``work``, and one more that kills its worker after recording."""
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1.0")
    pytester.makepyfile(
        test_work=f"""
        import os
        import pytest

        WORK = {WORK!r}

        @pytest.mark.slo(group="work", p95=1.0)
        @pytest.mark.parametrize("case", range(len(WORK)))
        def test_work(latency_tracker, case):
            latency_tracker.record("work", WORK[case])

        @pytest.mark.slo(group="work", p95=1.0)
        @pytest.mark.slo(max=1.0)
        def test_crash(latency_tracker):
            latency_tracker.record("work", 0.5)
            os._exit(1)
        """
    )


def test_a_crashed_worker_is_named_with_its_test_and_its_slos_are_flagged(
    pytester: pytest.Pytester,
) -> None:
    write_crashing_suite(pytester)

    result = pytester.runpytest_subprocess(
        "-n", "2", "--qametrics-report", "--qametrics-report-dir=r"
    )

    result.assert_outcomes(passed=len(WORK), failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    lost = re.search(
        r"^LOST     worker (gw\d+) was lost while running (\S+) ", result.stdout.str(), re.M
    )
    assert lost is not None, result.stdout.str()
    worker, running = lost.groups()
    assert running == "test_work.py::test_crash"
    flag = f"may lack samples from lost worker {worker}"
    result.stdout.fnmatch_lines(
        [
            "PASS     session",
            f"         latency p95 = *, needs <= 1 s (n={len(WORK)}, latency samples)",
            f"         {flag}",
            "NO DATA  test_work.py::test_crash",
            "         latency max <= 1 s: 0 samples, needs some",
            f"         {flag}",
            "PASS     work",
            f"         latency p95 = *, needs <= 1 s (n={len(WORK)}, latency samples)",
            f"         {flag}",
            "qametrics: 1 of 3 SLOs failed (1 of them without enough data)",
        ],
        consecutive=True,
    )
    report = read_report(pytester.path / "r")
    assert [(w["worker"], w["running"]) for w in report["lost_workers"]] == [(worker, running)]
    by_scope = {row["scope"]: row for row in report["slos"]}
    assert by_scope["work"]["observed"] == WORK_P95
    assert (by_scope["work"]["n"], by_scope["work"]["verdict"]) == (len(WORK), "pass")
    crashed = by_scope["test_work.py::test_crash"]
    assert (crashed["n"], crashed["verdict"], crashed["lost_from"]) == (0, "no_data", [worker])


#: The inner conftest replaces two tests' payloads on the worker after qametrics attached them:
#: the outermost (tryfirst) makereport wrapper runs its code after the plugin's wrapper.
DAMAGING_CONFTEST = """
import pytest

DAMAGE = {
    "test_payloads.py::test_from_a_newer_plugin": {"v": 99},
    "test_payloads.py::test_garbled_on_the_way": {"v": 1, "nodeid": "?", "series": "garbage"},
}

@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "teardown" and item.nodeid in DAMAGE:
        assert hasattr(report, "qametrics"), "the plugin's payload should be attached already"
        report.qametrics = DAMAGE[item.nodeid]
"""


def test_a_payload_that_cannot_be_decoded_is_an_error_and_fails_a_green_run(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makeconftest(DAMAGING_CONFTEST)
    pytester.makepyfile(
        test_payloads="""
        import pytest

        pytestmark = pytest.mark.slo(group="payloads", p95=1.0)

        @pytest.mark.parametrize("case", range(4))
        def test_intact(latency_tracker, case):
            latency_tracker.record("op", 0.25)

        def test_from_a_newer_plugin(latency_tracker):
            latency_tracker.record("op", 0.5)

        def test_garbled_on_the_way(latency_tracker):
            latency_tracker.record("op", 0.5)
        """
    )

    result = pytester.runpytest("-n", "2", "--qametrics-report", "--qametrics-report-dir=r")

    result.assert_outcomes(passed=6)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            "ERROR    qametrics payload from worker gw? (test test_payloads.py::"
            "test_from_a_newer_plugin) has format 99, this plugin reads 1: install the same "
            "pytest-qametrics version on every worker",
            "ERROR    qametrics payload from worker gw? (test test_payloads.py::"
            "test_garbled_on_the_way) is damaged: KeyError('groups')",
            "ERROR    worker gw? sent * test payloads with * samples, but * arrived: "
            "samples were lost on the way",
            "         latency p95 = 250 ms, needs <= 1 s (n=4, latency samples)",
        ]
    )
    assert (
        read_report(pytester.path / "r")["summary"]["verdict"] == "fail"
    )  # as the exit code says (it said "pass" before)


def test_workers_whose_totals_never_arrive_are_lost_and_fail_a_green_run(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(session):
            output = getattr(session.config, "workeroutput", None)
            if output is not None:  # on a worker: lose the plugin's totals
                output.pop("qametrics_v1")
        """
    )
    pytester.makepyfile(
        test_totals="""
        import pytest

        @pytest.mark.slo(p95=1.0)
        @pytest.mark.parametrize("case", range(4))
        def test_op(latency_tracker, case):
            latency_tracker.record("op", 0.25)
        """
    )

    result = pytester.runpytest("-n", "2")

    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            f"LOST     worker {worker} was lost (it finished without sending its qametrics totals)*"
            for worker in ("gw0", "gw1")
        ]
    )
