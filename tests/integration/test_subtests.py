"""Subtests belong to their test: the call-duration fallback counts each test once."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_call_duration_fallback_counts_a_test_with_subtests_once(
    pytester: pytest.Pytester, workers: tuple[str, ...]
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.max <= 10s")
    pytester.makepyfile(
        test_sub="""
        import time

        def test_plain():
            pass

        def test_with_subtests(subtests):
            for index in range(5):
                with subtests.test(index=index):
                    time.sleep(0.01)
        """
    )

    result = pytester.runpytest(*workers)

    assert result.ret == pytest.ExitCode.OK, result.outlines
    section = slo_section(result)
    assert section[0] == "PASS     session"
    assert section[1].endswith("(n=2, call durations)")
