"""pytest-asyncio: async tests and async fixtures record into their test; tasks time alone."""

from __future__ import annotations

import json

import pytest

from .peers import MODES, read_report, series_stats, slo_by_scope, write_ini

TASKS = 100

# {fixture} and {mark} differ between asyncio_mode = strict and auto. Each of the TASKS
# concurrent tasks starts at its own moment and times its own block under its own operation
# name; it notes the span around its block, which that block's sample must lie within.
ASYNC_TESTS = """
import asyncio
import json
import pathlib
import time

import pytest
import pytest_asyncio

from pytest_qametrics import timed

@timed("app")
async def application_call(i):
    await asyncio.sleep(0.001 * (i % 5))

{fixture}
async def warmed(latency_tracker):
    async with latency_tracker.measure("fixture-setup"):
        await asyncio.sleep(0.01)
    yield
    latency_tracker.record("fixture-teardown", 0.5)

{mark}
@pytest.mark.slo(max=5.0)
async def test_gather(warmed, latency_tracker):
    spans = {{}}

    async def task(i):
        await asyncio.sleep(0.001 * (i % 20))
        start = time.perf_counter()
        async with latency_tracker.measure(f"task-{{i:03d}}"):
            await asyncio.sleep(0.002 * (i % 7))
        spans[i] = time.perf_counter() - start
        await application_call(i)

    await asyncio.gather(*(task(i) for i in range({tasks})))
    pathlib.Path(__file__).with_name("spans.json").write_text(json.dumps(spans))

{mark}
@pytest.mark.slo(max=5.0)
async def test_other(latency_tracker):
    await asyncio.sleep(0)
    latency_tracker.record("other", 0.2)
"""

ASYNCIO_MODES = pytest.mark.parametrize(
    ("asyncio_mode", "fixture", "mark"),
    [
        ("strict", "@pytest_asyncio.fixture", "@pytest.mark.asyncio"),
        ("auto", "@pytest.fixture", ""),
    ],
)


@MODES
@ASYNCIO_MODES
def test_async_tests_and_fixtures_record_into_their_own_test(
    pytester: pytest.Pytester, mode: tuple[str, ...], asyncio_mode: str, fixture: str, mark: str
) -> None:
    write_ini(
        pytester,
        ("asyncio",),
        f"asyncio_mode = {asyncio_mode}",
        "asyncio_default_fixture_loop_scope = function",
    )
    pytester.makepyfile(test_async=ASYNC_TESTS.format(fixture=fixture, mark=mark, tasks=TASKS))

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r", *mode)

    result.assert_outcomes(passed=2)
    report = read_report(pytester.path / "r")
    slos = slo_by_scope(report)
    # the tasks, the application calls and the fixture's setup and teardown samples
    assert slos["test_async.py::test_gather"] == (0.5, 2 * TASKS + 2, "pass")
    assert slos["test_async.py::test_other"] == (0.2, 1, "pass")
    stats = series_stats(report)
    assert stats["app"]["count"] == TASKS
    spans = json.loads((pytester.path / "spans.json").read_text(encoding="utf-8"))
    for i in range(TASKS):
        sample = stats[f"task-{i:03d}"]
        assert sample["count"] == 1
        # its own block: its own sleep (asyncio may wake a clock tick early) and within the
        # span around that block
        assert 0.002 * (i % 7) - 1e-6 <= sample["max"] <= spans[str(i)]
