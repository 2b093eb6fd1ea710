"""LatencyTracker: record() validation, measure() as block, decorator and async block, stats."""

from __future__ import annotations

import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pytest

from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.trackers.latency import LatencyTracker, describe_error


@pytest.fixture
def store() -> ItemStore:
    return ItemStore()


@pytest.fixture
def tracker(store: ItemStore) -> LatencyTracker:
    return LatencyTracker(store)


class Boom(Exception):
    """An application error raised inside a timed block."""


def test_record_keeps_a_successful_duration(tracker: LatencyTracker, store: ItemStore) -> None:
    tracker.record("checkout", 0.25)
    series = store.latency("checkout")
    assert list(series.ok) == [0.25]
    assert list(series.fail) == []
    assert tracker.stats("checkout").count == 1


def test_record_of_a_failure_counts_its_error_message(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    tracker.record("checkout", 1.5, success=False, error="TimeoutError: read timed out")
    tracker.record("checkout", 1.7, success=False, error="TimeoutError: read timed out")
    tracker.record("checkout", 0.1, success=False)
    series = store.latency("checkout")
    assert list(series.fail) == [1.5, 1.7, 0.1]
    assert series.errors == {"TimeoutError: read timed out": 2, "failed": 1}
    stats = tracker.stats()
    assert stats.failure_count == 3
    assert stats.error_rate == 1.0


@pytest.mark.parametrize(
    "seconds", [math.nan, math.inf, -math.inf, -0.001, True, False, "0.5", None, [0.5]]
)
def test_record_rejects_a_duration_that_is_not_a_finite_non_negative_number(
    tracker: LatencyTracker, seconds: object
) -> None:
    with pytest.raises(ValueError, match=r"latency_tracker\.record\('checkout'"):
        tracker.record("checkout", seconds)  # type: ignore[arg-type]
    assert tracker.stats().count == 0


@pytest.mark.parametrize(
    "seconds", [0, 2, 0.0, np.float64(0.125), np.float32(0.5), np.int64(3), Fraction(1, 4)]
)
def test_record_accepts_ints_and_numpy_scalars_as_plain_floats(
    tracker: LatencyTracker, store: ItemStore, seconds: float
) -> None:
    tracker.record("op", seconds)
    (kept,) = store.latency("op").ok
    assert type(kept) is float
    assert kept == float(seconds)


@pytest.mark.parametrize("operation", [42, None, b"op", "", ["op"]])
def test_record_and_measure_reject_an_operation_that_is_not_a_non_empty_str(
    tracker: LatencyTracker, operation: object
) -> None:
    with pytest.raises(ValueError, match="operation must be a non-empty str"):
        tracker.record(operation, 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="operation must be a non-empty str"):
        tracker.measure(operation)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0.5, ["eu"], {"a": 1}, None])
def test_tag_values_that_are_not_str_or_int_are_rejected(
    tracker: LatencyTracker, value: object
) -> None:
    with pytest.raises(ValueError, match="tag region="):
        tracker.record("op", 0.1, region=value)
    with pytest.raises(ValueError, match="tag region="):
        tracker.measure("op", region=value)


def test_tags_give_separate_series_that_stats_pool_by_operation(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    tracker.record("search", 0.1, region="eu")
    tracker.record("search", 0.2, region="us")
    tracker.record("search", 0.3, region="eu", retry=1)
    tracker.record("search", 0.4)
    assert set(store.series) == {
        ("latency", "search", (("region", "eu"),)),
        ("latency", "search", (("region", "us"),)),
        ("latency", "search", (("region", "eu"), ("retry", "1"))),
        ("latency", "search", ()),
    }
    assert tracker.stats("search").count == 4


def test_tag_order_does_not_create_a_second_series(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    tracker.record("search", 0.1, region="eu", tier="gold")
    tracker.record("search", 0.2, tier="gold", region="eu")
    assert len(store.series) == 1


def test_stats_of_one_operation_filter_and_stats_of_none_pool_all(
    tracker: LatencyTracker,
) -> None:
    tracker.record("fast", 0.01)
    tracker.record("fast", 0.02)
    tracker.record("slow", 2.0, success=False, error="Boom")
    assert tracker.stats("fast").count == 2
    assert tracker.stats("fast").max == 0.02
    assert tracker.stats("slow").errors == {"Boom": 1}
    pooled = tracker.stats()
    assert pooled.count == 3
    assert pooled.max == 2.0
    assert pooled.errors == {"Boom": 1}
    assert tracker.stats("never").count == 0


def test_stats_use_the_tracker_percentile_method(store: ItemStore) -> None:
    linear = LatencyTracker(store, "linear")
    for value in (1.0, 2.0, 3.0, 10.0):
        linear.record("op", value)
    assert linear.stats().p50 == 2.5
    assert LatencyTracker(store).stats().p50 == 2.0


def test_measure_as_a_block_records_one_success(tracker: LatencyTracker, store: ItemStore) -> None:
    with tracker.measure("op"):
        time.sleep(0.002)
    (elapsed,) = store.latency("op").ok
    assert elapsed >= 0.002
    assert list(store.latency("op").fail) == []


def test_measure_without_an_operation_times_the_default_operation(
    tracker: LatencyTracker,
) -> None:
    with tracker.measure():
        pass
    assert tracker.stats("default").count == 1


def test_a_block_that_raises_is_recorded_as_a_failure_and_the_error_propagates(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    with pytest.raises(Boom, match="card declined"), tracker.measure("op"):
        raise Boom("card declined")
    series = store.latency("op")
    assert len(series.ok) == 0
    assert len(series.fail) == 1
    assert series.errors == {"Boom: card declined": 1}


def test_an_error_without_a_message_is_recorded_by_its_type_name() -> None:
    assert describe_error(KeyError()) == "KeyError"
    assert describe_error(ValueError("bad")) == "ValueError: bad"


def test_a_block_left_by_ctrl_c_records_nothing(tracker: LatencyTracker) -> None:
    with pytest.raises(KeyboardInterrupt), tracker.measure("op"):
        raise KeyboardInterrupt
    assert tracker.stats().count == 0


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        (pytest.fail.Exception("Timeout (>1.0s) from pytest-timeout."), "Failed: Timeout"),
        (asyncio.CancelledError(), "CancelledError"),
        (SystemExit(3), "SystemExit: 3"),
        (GeneratorExit(), "GeneratorExit"),
    ],
)
def test_a_block_abandoned_by_a_base_exception_is_a_failed_sample_with_the_reason(
    tracker: LatencyTracker, store: ItemStore, escape: BaseException, message: str
) -> None:
    def abandoned() -> None:
        time.sleep(0.002)
        raise escape

    with pytest.raises(type(escape)), tracker.measure("op"):
        abandoned()
    series = store.latency("op")
    assert len(series.ok) == 0
    assert len(series.fail) == 1
    assert series.fail[0] >= 0.002
    assert [m.startswith(message) for m in series.errors] == [True]


def test_a_measured_block_cancelled_by_wait_for_is_a_failed_sample(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    async def slow() -> None:
        async with tracker.measure("llm_call"):
            await asyncio.sleep(10)

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(slow(), timeout=0.01)
        async with tracker.measure("llm_call"):  # the next block times on its own
            await asyncio.sleep(0)

    asyncio.run(main())
    series = store.latency("llm_call")
    assert len(series.ok) == 1
    assert len(series.fail) == 1
    assert 0.01 <= series.fail[0] < 5
    assert series.errors == {"CancelledError": 1}


def test_a_block_left_by_pytest_skip_records_nothing(tracker: LatencyTracker) -> None:
    with pytest.raises(pytest.skip.Exception), tracker.measure("op"):
        pytest.skip("not today")
    assert tracker.stats().count == 0


def test_measure_as_a_decorator_times_every_call_of_a_sync_function(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    @tracker.measure("double")
    def double(x: int) -> int:
        return 2 * x

    assert [double(1), double(2), double(3)] == [2, 4, 6]
    assert double.__name__ == "double"
    assert len(store.latency("double").ok) == 3


def test_a_decorated_sync_function_that_raises_records_a_failure(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    @tracker.measure("op")
    def explode() -> None:
        raise Boom("nope")

    with pytest.raises(Boom):
        explode()
    assert store.latency("op").errors == {"Boom: nope": 1}


def test_measure_as_a_decorator_times_every_call_of_an_async_function(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    @tracker.measure("fetch")
    async def fetch(delay: float) -> float:
        await asyncio.sleep(delay)
        return delay

    async def main() -> list[float]:
        return list(await asyncio.gather(fetch(0.02), fetch(0.0), fetch(0.01)))

    assert asyncio.run(main()) == [0.02, 0.0, 0.01]
    recorded = sorted(store.latency("fetch").ok)
    assert len(recorded) == 3
    # Concurrent calls are timed apart: the longest sleeper took at least its own sleep.
    assert recorded[-1] >= 0.019
    assert recorded[1] >= 0.009


def test_a_decorated_async_function_that_raises_records_a_failure(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    @tracker.measure("op")
    async def explode() -> None:
        raise Boom("async nope")

    with pytest.raises(Boom):
        asyncio.run(explode())
    assert store.latency("op").errors == {"Boom: async nope": 1}


def test_async_with_measure_records_one_success(tracker: LatencyTracker, store: ItemStore) -> None:
    async def main() -> None:
        async with tracker.measure("op"):
            await asyncio.sleep(0.002)

    asyncio.run(main())
    (elapsed,) = store.latency("op").ok
    assert elapsed >= 0.001


def test_async_with_measure_records_a_failure_and_reraises(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    async def main() -> None:
        async with tracker.measure("op"):
            raise Boom("late")

    with pytest.raises(Boom):
        asyncio.run(main())
    assert store.latency("op").errors == {"Boom: late": 1}


def test_nested_measures_of_one_operation_record_both_and_the_outer_is_longer(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    with tracker.measure("op"):
        time.sleep(0.001)
        with tracker.measure("op"):
            time.sleep(0.002)
    inner, outer = store.latency("op").ok
    assert outer >= inner >= 0.002


def test_one_measurement_object_reused_sequentially_records_each_block(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    measurement = tracker.measure("op")
    for _ in range(3):
        with measurement:
            pass
    assert len(store.latency("op").ok) == 3


def test_measures_from_several_threads_at_once_each_record_their_own_duration(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    sleeps = [0.001 * k for k in range(1, 17)]

    def work(delay: float) -> None:
        with tracker.measure("op"):
            time.sleep(delay)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, sleeps))
    recorded = sorted(store.latency("op").ok)
    assert len(recorded) == len(sleeps)
    # Each duration is at least its own sleep, so the k-th shortest is at least the k-th sleep.
    for measured, slept in zip(recorded, sleeps, strict=True):
        assert measured >= slept


def test_records_from_several_threads_are_all_kept(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    def work(thread: int) -> None:
        for i in range(500):
            tracker.record("op", float(thread * 1000 + i))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(4)))
    assert sorted(store.latency("op").ok) == [
        float(t * 1000 + i) for t in range(4) for i in range(500)
    ]


@pytest.mark.parametrize("success", ["no", 0, 1, None, [True]])
def test_record_refuses_a_success_that_is_not_a_bool_and_records_nothing(
    tracker: LatencyTracker, store: ItemStore, success: object
) -> None:
    with pytest.raises(ValueError, match=r"success must be True or False, not "):
        tracker.record("checkout", 0.1, success=success)  # type: ignore[arg-type]
    assert len(store.latency("checkout")) == 0


@pytest.mark.parametrize("error", [5, ["x"], b"bytes"])
def test_record_refuses_an_error_that_is_not_a_str_and_records_nothing(
    tracker: LatencyTracker, store: ItemStore, error: object
) -> None:
    with pytest.raises(ValueError, match=r"error must be a str message"):
        tracker.record("checkout", 0.1, success=False, error=error)  # type: ignore[arg-type]
    assert len(store.latency("checkout")) == 0


def test_record_refuses_an_error_message_on_a_success(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    with pytest.raises(ValueError, match=r"pass success=False with it"):
        tracker.record("checkout", 0.1, error="timeout")
    assert len(store.latency("checkout")) == 0


def test_record_takes_a_numpy_bool_as_success(tracker: LatencyTracker, store: ItemStore) -> None:
    tracker.record("checkout", 0.1, success=np.float64(0.1) < 0.5)
    tracker.record("checkout", 0.2, success=np.float64(0.9) < 0.5)
    assert (list(store.latency("checkout").ok), list(store.latency("checkout").fail)) == (
        [0.1],
        [0.2],
    )


def test_strings_that_are_not_utf8_are_kept_as_backslash_escapes(
    tracker: LatencyTracker, store: ItemStore
) -> None:
    tracker.record("op\udce9", 0.1, success=False, error="r\udce9sum\udce9.pdf", kind="\udcff")
    ((_, name, tags),) = store.series
    assert (name, tags) == ("op\\udce9", (("kind", "\\udcff"),))
    assert store.latency("op\\udce9", tags).errors == {"r\\udce9sum\\udce9.pdf": 1}
