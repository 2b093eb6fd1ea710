"""A timed block abandoned by pytest-timeout or a cancellation is a failed sample, not a gap.

pytest-timeout's signal method raises ``pytest.fail("Timeout ...")`` (a ``BaseException``) in
the middle of the hanging block; before, such a block recorded nothing, so the hang vanished
and the group's fast samples alone passed ``max <= 500ms``. These runs use the real plugin.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re

import pytest

from .inner_runs import slo_section

if importlib.util.find_spec("pytest_timeout") is None:  # pragma: no cover - in the dev extra
    if os.environ.get("CI") == "true":  # CI installs the dev extra: missing is an error there
        raise ImportError("pytest-timeout (dev extra) is needed for these tests when CI=true")
    pytest.skip("pytest-timeout (dev extra) is not installed", allow_module_level=True)

HANGING_SUITE = """
import time
import pytest

@pytest.mark.slo(max="500ms", operation="call")
@pytest.mark.parametrize("hang", [False, True, False])
def test_call(latency_tracker, hang):
    with latency_tracker.measure("call"):
        time.sleep(30 if hang else 0.001)
"""

CANCELLED_SUITE = """
import asyncio
import pytest

async def answer(latency_tracker, seconds):
    async with latency_tracker.measure("llm"):
        await asyncio.sleep(seconds)

@pytest.mark.slo(max="500ms", operation="llm")
@pytest.mark.parametrize("seconds", [0.001, 30])
def test_llm(latency_tracker, seconds):
    async def main():
        try:
            await asyncio.wait_for(answer(latency_tracker, seconds), timeout=0.6)
        except asyncio.TimeoutError:
            pass  # the test tolerates the timeout; the SLO must not

    asyncio.run(main())
"""

#: The timeout's 1 s runs from setup, so the block itself may measure a little less.
ABOUT_ONE_SECOND = r"(9\d\d(\.\d)? ms|1(\.\d+)? s)"  # "1 s" when the timer lands on 1.000 s
PAST_600_MS = r"([6-9]\d\d(\.\d)? ms|\d\.\d+ s)"
MODES = pytest.mark.parametrize("extra", [(), ("-n", "2")], ids=["serial", "xdist"])


def error_messages(pytester: pytest.Pytester) -> set[str]:
    """Every error message kept in the inner run's data file (session and group pools)."""
    path = pytester.path / "qametrics-report" / "qametrics-data.json"
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            errors = node.get("errors")
            if isinstance(errors, dict):
                found.update(errors)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def failed_slo(result: pytest.RunResult) -> str:
    """The detail line of the one failed SLO in the qametrics section."""
    section = slo_section(result)
    failed = [index for index, line in enumerate(section) if line.startswith("FAIL")]
    assert len(failed) == 1, section
    return section[failed[0] + 1]


@MODES
def test_a_block_timed_out_by_pytest_timeout_signal_method_fails_the_latency_slo(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_hang=HANGING_SUITE)
    result = pytester.runpytest_subprocess(
        "--timeout=1", "--timeout-method=signal", "--qametrics-report", *extra
    )
    result.assert_outcomes(passed=2, failed=1)
    detail = failed_slo(result)
    assert re.search(rf"max = {ABOUT_ONE_SECOND}, needs <= 500 ms \(n=3, latency samples\)", detail)
    assert slo_section(result)[-1] == "qametrics: 1 of 1 SLOs failed"
    assert error_messages(pytester) == {"Failed: Timeout (>1.0s) from pytest-timeout."}


@MODES
def test_a_block_cancelled_by_asyncio_wait_for_fails_the_latency_slo(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_llm=CANCELLED_SUITE)
    result = pytester.runpytest_subprocess("--qametrics-report", *extra)
    result.assert_outcomes(passed=2)
    detail = failed_slo(result)
    assert re.search(rf"max = {PAST_600_MS}, needs <= 500 ms \(n=2, latency samples\)", detail)
    assert error_messages(pytester) == {"CancelledError"}
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_block_left_by_pytest_skip_still_records_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_skip="""
        import pytest

        @pytest.mark.slo(max="500ms")
        def test_skips(latency_tracker):
            with latency_tracker.measure("call"):
                pytest.skip("not on this platform")
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(skipped=1)
    assert any(line.startswith("SKIPPED") for line in slo_section(result))
    assert result.ret == pytest.ExitCode.OK
