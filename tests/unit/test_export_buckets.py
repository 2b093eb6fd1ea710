"""Fixed latency buckets: exact counts, the documented error bound, folded histograms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_qametrics.export.buckets import BOUNDS, BUCKET_ERROR, latency_buckets
from pytest_qametrics.samples.population import LatencySamples
from pytest_qametrics.stats.digest import LatencyDigest
from pytest_qametrics.stats.percentiles import nearest_rank

EMPTY = np.empty(0, dtype=np.float64)


def _samples(ok: list[float], fail: list[float] = ()) -> LatencySamples:  # type: ignore[assignment]
    return LatencySamples(np.array(ok, dtype=np.float64), np.array(fail, dtype=np.float64), {})


def histogram_quantile(q: float, bounds: tuple[float, ...], cumulative: list[int]) -> float:
    """Prometheus's histogram_quantile for one series (promql/quantile.go's bucketQuantile)."""
    total = cumulative[-1]
    rank = q * total
    index = next(i for i, c in enumerate(cumulative) if c >= rank)
    if index == len(bounds):  # the +Inf bucket: the highest finite bound
        return bounds[-1]
    start = 0.0 if index == 0 else bounds[index - 1]
    below = 0 if index == 0 else cumulative[index - 1]
    return start + (bounds[index] - start) * (rank - below) / (cumulative[index] - below)


def test_the_bounds_are_the_r10_series_from_100_us_to_100_s() -> None:
    assert BOUNDS[:11] == (
        1e-4,
        1.25e-4,
        1.6e-4,
        2e-4,
        2.5e-4,
        3.15e-4,
        4e-4,
        5e-4,
        6.3e-4,
        8e-4,
        1e-3,
    )
    assert BOUNDS[-1] == 100.0
    assert len(BOUNDS) == 61
    assert pytest.approx(0.28) == BUCKET_ERROR


def test_counts_are_cumulative_and_a_sample_on_a_bound_counts_as_at_most_that_bound() -> None:
    buckets = latency_buckets(_samples([0.001, 0.001, 0.0011, 0.5], [200.0]))
    at = dict(zip(BOUNDS, buckets.counts, strict=True))
    assert at[8e-4] == 0
    assert at[1e-3] == 2
    assert at[1.25e-3] == 3
    assert at[0.5] == 4
    assert at[100.0] == 4
    assert buckets.count == 5
    assert buckets.total == pytest.approx(200.5031)
    assert buckets.pairs()[-1] == ("+Inf", 5.0)
    assert buckets.pairs()[0] == ("0.0001", 0.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(1e-4, 100.0), min_size=1, max_size=300),
    st.sampled_from([0.5, 0.9, 0.95, 0.99]),
)
def test_histogram_quantile_is_within_the_bucket_error_of_the_nearest_rank_percentile(
    values: list[float], q: float
) -> None:
    buckets = latency_buckets(_samples(values))
    cumulative = [*buckets.counts, buckets.count]
    exact = float(np.sort(values)[nearest_rank(q, len(values)) - 1])
    estimate = histogram_quantile(q, BOUNDS, cumulative)
    # at or below the lowest bound, Prometheus interpolates from 0: within 100 us, absolutely
    allowed = BUCKET_ERROR * exact if exact > BOUNDS[0] else BOUNDS[0]
    assert abs(estimate - exact) <= allowed


def test_the_documented_error_is_nearly_reached_so_it_is_not_overstated() -> None:
    # 100 samples just above 1.25 ms sit in the widest bucket (1.25 ms, 1.6 ms]; Prometheus
    # interpolates the p99 to 99% of the way up the bucket
    values = [0.00125 * (1 + 1e-9)] * 100
    buckets = latency_buckets(_samples(values))
    estimate = histogram_quantile(0.99, BOUNDS, [*buckets.counts, buckets.count])
    error = abs(estimate - values[0]) / values[0]
    assert 0.27 < error <= BUCKET_ERROR


def test_a_folded_series_counts_every_sample_once_near_its_bucket() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(math.log(0.02), 0.7, 20_000)
    digest = LatencyDigest()
    digest.add(values[:15_000], values[15_000:18_000])
    folded = LatencySamples(values[18_000:], EMPTY, {}, digest)
    exact = latency_buckets(_samples(list(values)))
    approx = latency_buckets(folded)
    assert approx.count == exact.count == 20_000
    assert approx.total == pytest.approx(exact.total)
    # a folded sample moves to a neighbouring bucket only when within 0.5% of a bound
    near = sum(int(np.sum(np.abs(values / bound - 1) <= 0.0051)) for bound in BOUNDS)
    moved = sum(abs(a - b) for a, b in zip(approx.counts, exact.counts, strict=True))
    assert moved <= near
