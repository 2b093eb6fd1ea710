"""The latency digest: exact count, sum, min and max past the cap; quantiles within 0.5%."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.wire import SeriesEntry, decode_item, encode_item
from pytest_qametrics.stats.digest import LatencyDigest
from pytest_qametrics.stats.latency_stats import summarize_digest, summarize_latency
from pytest_qametrics.stats.loghist import RELATIVE_ERROR

deterministic = settings(derandomize=True, max_examples=30, deadline=None, database=None)
EMPTY = np.empty(0, dtype=np.float64)


def ticks(seed: int, size: int) -> npt.NDArray[np.float64]:
    """Latencies on a 1/4096 s grid: sums and sums of squares are exact in any order."""
    rng = np.random.default_rng(seed)
    return np.maximum(np.round(rng.lognormal(np.log(0.1), 0.8, size) * 4096), 0) / 4096


def digest_of(ok: npt.NDArray[np.float64], fail: npt.NDArray[np.float64]) -> LatencyDigest:
    digest = LatencyDigest()
    digest.add(ok, fail)
    return digest


def moments(digest: LatencyDigest) -> tuple[int, int, float, float, float, float]:
    return (digest.n_ok, digest.n_fail, digest.total, digest.total_sq, digest.low, digest.high)


@deterministic
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    size=st.integers(min_value=1, max_value=3000),
    chunks=st.integers(min_value=1, max_value=8),
)
def test_count_sum_min_and_max_stay_exact_however_the_samples_are_split_and_merged(
    seed: int, size: int, chunks: int
) -> None:
    values = ticks(seed, size)
    failed = np.random.default_rng(seed).random(size) < 0.1
    ok, fail = values[~failed], values[failed]
    rng = np.random.default_rng(seed + 1)
    parts = [
        digest_of(ok_part, fail_part)
        for ok_part, fail_part in zip(
            np.array_split(rng.permutation(ok), chunks),
            np.array_split(rng.permutation(fail), chunks),
            strict=True,
        )
    ]

    merged = LatencyDigest()
    for index in rng.permutation(chunks):
        merged.merge(parts[int(index)])

    assert moments(merged) == (
        ok.size,
        fail.size,
        math.fsum(values.tolist()),
        math.fsum((values * values).tolist()),
        float(values.min()),
        float(values.max()),
    )
    assert merged.count == size
    assert merged.hist.total == size


def test_summary_of_a_digest_is_exact_where_promised_and_close_elsewhere() -> None:
    values = ticks(5, 20_000)
    ok, fail = values[:19_000], values[19_000:]
    leftover = ticks(6, 300)

    folded = summarize_digest(digest_of(ok, fail), leftover, EMPTY, {}, "nearest-rank")
    exact = summarize_latency(np.concatenate((ok, leftover)), fail, {}, "nearest-rank")

    assert (folded.count, folded.success_count, folded.failure_count) == (
        exact.count,
        exact.success_count,
        exact.failure_count,
    )
    assert (folded.min, folded.max, folded.mean) == (exact.min, exact.max, exact.mean)
    assert folded.error_rate == exact.error_rate
    assert folded.stdev == pytest.approx(exact.stdev, rel=1e-9)
    assert folded.relative_error == RELATIVE_ERROR
    for name in ("p50", "p75", "p90", "p95", "p99", "p999", "median"):
        assert folded[name] == pytest.approx(exact[name], rel=RELATIVE_ERROR), name


def test_the_wire_form_round_trips_and_a_copy_is_independent() -> None:
    digest = digest_of(ticks(1, 500), ticks(2, 20))

    twin = LatencyDigest.from_wire(digest.to_wire())
    copy = digest.copy()
    copy.add(np.array([100.0]), EMPTY)

    assert moments(twin) == moments(digest)
    assert twin.hist.to_wire() == digest.hist.to_wire()
    assert (copy.count, digest.count) == (521, 520)
    assert (copy.high, digest.high) == (100.0, float(max(ticks(1, 500).max(), ticks(2, 20).max())))


def test_an_empty_digest_merges_as_nothing() -> None:
    digest = digest_of(np.array([0.25, 0.5]), EMPTY)
    before = moments(digest)

    digest.merge(LatencyDigest())

    assert moments(digest) == before


def test_a_series_past_the_cap_travels_as_a_digest_with_its_exact_totals() -> None:
    store = ItemStore()
    series = store.latency("op")
    values = ticks(9, 50)
    series.ok.extend(values.tolist())
    series.add_failure(0.75, "TimeoutError")
    payload = encode_item("t.py::test_op", (), (), "passed", 0.1, store, cap=10)

    entry = decode_item(payload, "test t.py::test_op").series[0]

    assert isinstance(entry, SeriesEntry)
    assert (entry.ok.size, entry.fail.size, entry.count) == (0, 0, 51)
    assert entry.digest is not None
    assert (entry.digest.n_ok, entry.digest.n_fail) == (50, 1)
    assert entry.digest.total == math.fsum([*values.tolist(), 0.75])
    assert (entry.digest.low, entry.digest.high) == (float(values.min()), max(values.max(), 0.75))
    assert entry.errors == {"TimeoutError": 1}
