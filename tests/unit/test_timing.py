"""timed(): records into the running test's store; outside a test it only runs the code."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.trackers.timing import recording_target, timed


class Boom(Exception):
    """An application error raised inside a timed block."""


@pytest.fixture
def store() -> Iterator[ItemStore]:
    """Make a fresh store the recording target, as the plugin does around each test."""
    fresh = ItemStore()
    previous = recording_target.swap(fresh)
    try:
        yield fresh
    finally:
        recording_target.swap(previous)


@pytest.fixture
def no_running_test() -> Iterator[None]:
    """Clear the recording target, as in production code or a script."""
    previous = recording_target.swap(None)
    try:
        yield
    finally:
        recording_target.swap(previous)


@pytest.mark.usefixtures("no_running_test")
def test_outside_a_test_a_timed_block_runs_and_records_nothing() -> None:
    ran = []
    with timed("checkout"):
        ran.append(True)
    assert ran == [True]
    assert recording_target.store is None


@pytest.mark.usefixtures("no_running_test")
def test_outside_a_test_a_timed_function_returns_its_value() -> None:
    @timed("double")
    def double(x: int) -> int:
        return 2 * x

    assert double(21) == 42


@pytest.mark.usefixtures("no_running_test")
def test_outside_a_test_a_timed_coroutine_returns_its_value() -> None:
    @timed("fetch")
    async def fetch() -> str:
        return "body"

    assert asyncio.run(fetch()) == "body"


@pytest.mark.usefixtures("no_running_test")
def test_outside_a_test_errors_still_propagate() -> None:
    with pytest.raises(Boom), timed("op"):
        raise Boom("x")


@pytest.mark.usefixtures("no_running_test")
def test_a_store_swapped_in_later_records_calls_of_an_already_decorated_function() -> None:
    @timed("op")
    def work() -> None:
        pass

    work()
    fresh = ItemStore()
    previous = recording_target.swap(fresh)
    try:
        work()
    finally:
        recording_target.swap(previous)
    work()
    assert len(fresh.latency("op").ok) == 1


def test_swap_returns_the_target_it_replaces() -> None:
    first, second = ItemStore(), ItemStore()
    original = recording_target.swap(first)
    try:
        assert recording_target.swap(second) is first
        assert recording_target.store is second
    finally:
        recording_target.swap(original)
    assert recording_target.store is original


def test_a_timed_block_records_a_success_into_the_running_test(store: ItemStore) -> None:
    with timed("checkout"):
        time.sleep(0.002)
    (elapsed,) = store.latency("checkout").ok
    assert elapsed >= 0.002


def test_a_timed_block_that_raises_records_a_failure_and_reraises(store: ItemStore) -> None:
    with pytest.raises(Boom, match="declined"), timed("checkout"):
        raise Boom("declined")
    series = store.latency("checkout")
    assert len(series.ok) == 0
    assert len(series.fail) == 1
    assert series.errors == {"Boom: declined": 1}


def test_a_timed_block_left_by_keyboard_interrupt_records_nothing(store: ItemStore) -> None:
    with pytest.raises(KeyboardInterrupt), timed("checkout"):
        raise KeyboardInterrupt
    assert len(store.latency("checkout")) == 0


def test_a_timed_block_left_by_pytest_skip_records_nothing(store: ItemStore) -> None:
    with pytest.raises(pytest.skip.Exception), timed("checkout"):
        pytest.skip("not here")
    assert len(store.latency("checkout")) == 0


def test_a_timed_block_cancelled_by_wait_for_is_a_failed_sample(store: ItemStore) -> None:
    async def slow() -> None:
        async with timed("checkout"):
            await asyncio.sleep(10)

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(slow(), timeout=0.01)

    asyncio.run(main())
    series = store.latency("checkout")
    assert len(series.ok) == 0
    assert len(series.fail) == 1
    assert 0.01 <= series.fail[0] < 5
    assert series.errors == {"CancelledError": 1}


def test_timed_with_tags_records_into_a_tagged_series(store: ItemStore) -> None:
    with timed("search", region="eu"):
        pass
    assert list(store.series) == [("latency", "search", (("region", "eu"),))]


def test_a_timed_function_records_every_call(store: ItemStore) -> None:
    @timed("double")
    def double(x: int) -> int:
        return 2 * x

    assert [double(1), double(2), double(3)] == [2, 4, 6]
    assert double.__name__ == "double"
    assert len(store.latency("double").ok) == 3


def test_a_timed_function_that_raises_records_a_failure(store: ItemStore) -> None:
    @timed("op")
    def explode() -> None:
        raise Boom("nope")

    with pytest.raises(Boom):
        explode()
    assert store.latency("op").errors == {"Boom: nope": 1}


def test_a_timed_coroutine_function_records_every_call(store: ItemStore) -> None:
    @timed("fetch")
    async def fetch(delay: float) -> float:
        await asyncio.sleep(delay)
        return delay

    async def main() -> list[float]:
        return list(await asyncio.gather(fetch(0.01), fetch(0.0)))

    assert asyncio.run(main()) == [0.01, 0.0]
    recorded = sorted(store.latency("fetch").ok)
    assert len(recorded) == 2
    assert recorded[-1] >= 0.009


def test_a_timed_coroutine_that_raises_records_a_failure(store: ItemStore) -> None:
    @timed("op")
    async def explode() -> None:
        raise Boom("async nope")

    with pytest.raises(Boom):
        asyncio.run(explode())
    assert store.latency("op").errors == {"Boom: async nope": 1}


def test_async_with_timed_records_one_success(store: ItemStore) -> None:
    async def main() -> None:
        async with timed("op"):
            await asyncio.sleep(0.002)

    asyncio.run(main())
    (elapsed,) = store.latency("op").ok
    assert elapsed >= 0.001


def test_async_with_timed_in_concurrent_tasks_times_each_task_apart(store: ItemStore) -> None:
    async def task(operation: str, delay: float) -> None:
        async with timed(operation):
            await asyncio.sleep(delay)

    async def main() -> None:
        await asyncio.gather(task("slow", 0.02), task("fast", 0.0))

    asyncio.run(main())
    assert len(store.latency("slow").ok) == 1
    assert len(store.latency("fast").ok) == 1
    assert store.latency("slow").ok[0] >= 0.019


def test_nested_timed_blocks_record_both_and_the_outer_lasts_longer(store: ItemStore) -> None:
    with timed("outer"):
        time.sleep(0.001)
        with timed("inner"):
            time.sleep(0.002)
    (outer,) = store.latency("outer").ok
    (inner,) = store.latency("inner").ok
    assert outer >= inner >= 0.002


def test_an_inner_failure_caught_inside_the_outer_block_leaves_the_outer_a_success(
    store: ItemStore,
) -> None:
    with timed("outer"), pytest.raises(Boom), timed("inner"):
        raise Boom("inner only")
    assert len(store.latency("outer").ok) == 1
    assert store.latency("inner").errors == {"Boom: inner only": 1}


def test_one_timed_object_nested_in_itself_records_two_samples(store: ItemStore) -> None:
    block = timed("op")
    with block:
        time.sleep(0.001)
        with block:
            pass
    inner, outer = store.latency("op").ok
    assert outer >= inner


def test_timed_blocks_in_several_threads_all_record_into_the_running_test(
    store: ItemStore,
) -> None:
    sleeps = [0.001 * k for k in range(1, 9)]

    def work(delay: float) -> None:
        with timed("op"):
            time.sleep(delay)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, sleeps))
    recorded = sorted(store.latency("op").ok)
    assert len(recorded) == len(sleeps)
    for measured, slept in zip(recorded, sleeps, strict=True):
        assert measured >= slept


@pytest.mark.parametrize("operation", ["", 42, None])
def test_timed_needs_a_non_empty_operation_name(operation: object) -> None:
    with pytest.raises(ValueError, match="non-empty operation name"):
        timed(operation)  # type: ignore[arg-type]


def test_timed_rejects_a_float_tag_value() -> None:
    with pytest.raises(ValueError, match="tag ratio="):
        timed("op", ratio=0.5)
