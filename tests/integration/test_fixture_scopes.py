"""Samples recorded in fixtures wider than one test belong to the session, whatever the order."""

from __future__ import annotations

import pytest

from .inner_runs import BASE_ADDOPTS, slo_section, write_ini

#: A session fixture that times a 50 ms warm-up, and tests whose own calls take 10 ms.
WARM_UP = """
    import time
    import pytest
    from pytest_qametrics import timed

    @pytest.fixture(scope="session")
    def model():
        with timed("call"):
            time.sleep(0.05)
        return "model"

    def test_a(model, latency_tracker):
        latency_tracker.record("call", 0.010)

    def test_b(model, latency_tracker):
        latency_tracker.record("call", 0.010)

    @pytest.mark.slo(max="<=30ms", operation="call")
    def test_req(model, latency_tracker):
        latency_tracker.record("call", 0.010)
"""

REQ_PASSES = [
    "PASS     test_warm.py::test_req",
    "         latency[operation=call] max = 10 ms, needs <= 30 ms (n=1, latency samples)",
]


def shared_line(count: str) -> str:
    """The summary line about samples of fixtures wider than a test."""
    return (
        f"qametrics: session-wide SLOs (not a test's) include the {count} recorded in "
        f"class-, module- or session-scoped fixtures"
    )


def _randomly_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """The base options with pytest-randomly switched back on."""
    addopts = BASE_ADDOPTS.replace("-p no:randomly", "-p randomly")
    pytester.makeini("\n".join(["[pytest]", f"addopts = {addopts}", *lines, ""]))


def test_session_fixture_warm_up_gives_the_same_verdicts_under_every_random_order(
    pytester: pytest.Pytester,
) -> None:
    _randomly_ini(pytester, "qametrics_slo =", "    latency[operation=call].max <= 1s")
    pytester.makepyfile(test_warm=WARM_UP)

    # test_req runs first under some of these seeds
    results = {seed: pytester.runpytest(f"--randomly-seed={seed}") for seed in range(1, 9)}

    assert [seed for seed, result in results.items() if result.ret != pytest.ExitCode.OK] == []
    for seed, result in results.items():
        section = slo_section(result)
        assert section[2:4] == REQ_PASSES, seed
        assert "(n=4, latency samples)" in section[1], seed
        assert shared_line("1 sample") in result.outlines, seed


def test_each_xdist_worker_warms_up_on_its_own_and_the_session_counts_both(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency[operation=call].max <= 1s")
    pytester.makepyfile(test_warm=WARM_UP)

    # xdist's first batch hands the three tests round-robin to both workers
    result = pytester.runpytest("-n", "2", "--dist", "load")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    section = slo_section(result)
    assert section[2:4] == REQ_PASSES
    assert "(n=5, latency samples)" in section[1]  # 3 calls, and 1 warm-up on each worker
    assert shared_line("2 samples") in result.outlines


def test_module_fixture_teardown_is_not_charged_to_the_last_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_mod="""
        import time
        import pytest
        from pytest_qametrics import timed

        @pytest.fixture(scope="module")
        def client():
            yield "client"
            with timed("call"):
                time.sleep(0.05)

        def test_a(client, latency_tracker):
            latency_tracker.record("call", 0.010)

        @pytest.mark.slo(max="<=30ms", operation="call")
        def test_z_last(client, latency_tracker):
            latency_tracker.record("call", 0.010)
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result)[:2] == [
        "PASS     test_mod.py::test_z_last",
        "         latency[operation=call] max = 10 ms, needs <= 30 ms (n=1, latency samples)",
    ]
    assert shared_line("1 sample") in result.outlines


def test_unittest_case_records_through_an_autouse_fixture_and_set_up_class_goes_to_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_case="""
        import time
        import unittest
        import pytest
        from pytest_qametrics import timed

        class TestSearch(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                with timed("search"):
                    time.sleep(0.05)

            @pytest.fixture(autouse=True)
            def _trackers(self, latency_tracker):
                self.latency = latency_tracker

            @pytest.mark.slo(max="<=30ms", operation="search")
            def test_search(self):
                self.latency.record("search", 0.010)
                with timed("search"):
                    pass
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    section = slo_section(result)
    assert section[0] == "PASS     test_case.py::TestSearch::test_search"
    assert "(n=2, latency samples)" in section[1]
    assert shared_line("1 sample") in result.outlines
