"""A sample that arrives after its test ended is reported, and never charged to another test."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section

LATE_LINE = (
    "qametrics: {} arrived after their test had ended and were not counted ({}); "
    "finish threads and tasks inside the test"
)


def test_samples_from_a_thread_that_outlives_its_test_are_reported_not_counted(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_late="""
        import threading
        import time
        import pytest
        from pytest_qametrics import timed

        def test_a_leaves_threads_behind(latency_tracker):
            latency_tracker.record("call", 0.010)

            def late_record():
                time.sleep(0.2)
                latency_tracker.record("call", 5.0)

            def late_block():
                with timed("call"):
                    time.sleep(0.2)

            threading.Thread(target=late_record).start()
            threading.Thread(target=late_block).start()

        @pytest.mark.slo(max="<=100ms", operation="call")
        def test_b_waits(latency_tracker):
            time.sleep(0.5)
            latency_tracker.record("call", 0.010)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result)[:2] == [
        "PASS     test_late.py::test_b_waits",
        "         latency[operation=call] max = 10 ms, needs <= 100 ms (n=1, latency samples)",
    ]
    assert LATE_LINE.format("2 samples", "test_late.py::test_a_leaves_threads_behind: 2") in (
        result.outlines
    )


def test_session_fixture_teardown_after_pytest_exit_is_reported_not_dropped(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_stop="""
        import pytest
        from pytest_qametrics import timed

        @pytest.fixture(scope="session")
        def server():
            yield "server"
            with timed("shutdown"):
                pass

        def test_1_stops_the_run(server):
            pytest.exit("operator stopped the run")

        def test_2_never_runs(server):
            pass
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert LATE_LINE.format("1 sample", "(fixtures wider than one test): 1") in result.outlines


def test_late_samples_on_an_xdist_worker_are_reported_with_the_worker(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_late="""
        import threading
        import time

        def test_a_leaves_a_thread_behind(latency_tracker):
            def late_record():
                time.sleep(0.2)
                latency_tracker.record("call", 5.0)

            threading.Thread(target=late_record).start()

        def test_b_waits():
            time.sleep(0.5)
        """
    )

    result = pytester.runpytest("-n", "1")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    owner = "test_late.py::test_a_leaves_a_thread_behind on gw0: 1"
    assert LATE_LINE.format("1 sample", owner) in result.outlines
