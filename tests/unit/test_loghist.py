"""The log-bucket histogram: quantiles within 0.5%, order-free merges, zeros, an exact wire form."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_qametrics.slo.catalogue import PERCENTILES
from pytest_qametrics.stats.loghist import RELATIVE_ERROR, LogHistogram

deterministic = settings(derandomize=True, max_examples=40, deadline=None, database=None)

#: Every percentile a latency SLO can name, plus the extremes of the rank range.
QUANTILES = (0.0001, *PERCENTILES.values(), 1.0)
#: A hair above the bound for the float rounding of the bucket's representative value.
TOLERANCE = RELATIVE_ERROR * (1 + 1e-9)


def sample(shape: str, seed: int, size: int) -> npt.NDArray[np.float64]:
    """Latency-like data: lognormal, two far-apart modes, or lognormal with a share of zeros."""
    rng = np.random.default_rng(seed)
    if shape == "bimodal":
        fast = rng.lognormal(np.log(0.02), 0.3, size)
        slow = rng.lognormal(np.log(2.0), 0.5, size)
        return np.where(rng.random(size) < 0.8, fast, slow)
    values = rng.lognormal(np.log(0.15), 1.0, size)
    if shape == "zeros":
        values[rng.random(size) < 0.1] = 0.0
    return values


def histogram_of(values: npt.NDArray[np.float64]) -> LogHistogram:
    hist = LogHistogram()
    hist.add(values)
    return hist


def state(hist: LogHistogram) -> tuple[int, list[int], int]:
    """Everything that defines a histogram, comparable with ==."""
    return hist.offset, hist.counts.tolist(), hist.zeros


shapes = st.sampled_from(["lognormal", "bimodal", "zeros"])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@deterministic
@given(shape=shapes, seed=seeds, size=st.integers(min_value=1, max_value=5000))
def test_every_quantile_is_within_half_a_percent_of_the_exact_nearest_rank_sample(
    shape: str, seed: int, size: int
) -> None:
    values = sample(shape, seed, size)
    hist = histogram_of(values)

    for p in QUANTILES:
        exact = float(np.quantile(values, p, method="inverted_cdf"))
        approximate = hist.quantile(p, float(values.min()), float(values.max()))
        assert abs(approximate - exact) <= TOLERANCE * exact, (p, exact, approximate)


@deterministic
@given(
    shape=shapes,
    seed=seeds,
    size=st.integers(min_value=0, max_value=3000),
    chunks=st.integers(min_value=1, max_value=12),
)
def test_merging_chunks_in_any_order_and_grouping_gives_the_histogram_of_all_values(
    shape: str, seed: int, size: int, chunks: int
) -> None:
    values = sample(shape, seed, size)
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, size + 1, size=chunks - 1))
    parts = np.split(values, cuts)

    def fold(order: list[int]) -> LogHistogram:
        merged = LogHistogram()
        for index in order:
            merged.merge(histogram_of(parts[index]))
        return merged

    def tree(order: list[int]) -> LogHistogram:
        if len(order) == 1:
            return histogram_of(parts[order[0]])
        left, right = tree(order[: len(order) // 2]), tree(order[len(order) // 2 :])
        right.merge(left)
        return right

    whole = state(histogram_of(values))
    in_order = list(range(len(parts)))
    shuffled = [int(i) for i in rng.permutation(len(parts))]
    assert state(fold(in_order)) == whole
    assert state(fold(shuffled)) == whole
    assert state(tree(shuffled)) == whole
    assert state(functools.reduce(_merged, [histogram_of(p) for p in reversed(parts)])) == whole


def _merged(left: LogHistogram, right: LogHistogram) -> LogHistogram:
    left.merge(right)
    return left


def test_zeros_are_counted_apart_and_are_the_low_quantiles() -> None:
    hist = histogram_of(np.array([0.0, 0.0, 0.0, 0.25, 4.0]))

    assert (hist.zeros, hist.total) == (3, 5)
    assert hist.quantile(0.6, 0.0, 4.0) == 0.0
    assert hist.quantile(0.8, 0.0, 4.0) == pytest.approx(0.25, rel=RELATIVE_ERROR)
    assert hist.quantile(1.0, 0.0, 4.0) == pytest.approx(4.0, rel=RELATIVE_ERROR)


def test_a_histogram_of_only_zeros_has_no_buckets_and_every_quantile_is_zero() -> None:
    hist = histogram_of(np.zeros(7))

    assert (hist.zeros, hist.counts.size, hist.total) == (7, 0, 7)
    assert [hist.quantile(p, 0.0, 0.0) for p in QUANTILES] == [0.0] * len(QUANTILES)


def test_merging_an_empty_histogram_changes_nothing_either_way() -> None:
    full = histogram_of(np.array([0.0, 0.5, 1.5]))
    before = state(full)

    full.merge(LogHistogram())
    empty = LogHistogram()
    empty.merge(full)

    assert state(full) == state(empty) == before


def test_quantiles_are_clamped_to_the_exact_minimum_and_maximum() -> None:
    hist = histogram_of(np.full(5, 0.3))

    assert hist.quantile(0.5, 0.0, np.inf) != 0.3, "the bucket's representative is not 0.3"
    assert [hist.quantile(p, 0.3, 0.3) for p in QUANTILES] == [0.3] * len(QUANTILES)


def test_a_quantile_of_an_empty_histogram_is_undefined() -> None:
    with pytest.raises(ValueError, match="zero samples"):
        LogHistogram().quantile(0.95, 0.0, 0.0)


def _leaf_types(value: object) -> set[type]:
    if isinstance(value, dict):
        return {dict} | {t for item in value.values() for t in _leaf_types(item)}
    return {type(value)}


@deterministic
@given(shape=shapes, seed=seeds, size=st.integers(min_value=0, max_value=2000))
def test_the_wire_form_round_trips_exactly_and_holds_only_exact_builtins(
    shape: str, seed: int, size: int
) -> None:
    hist = histogram_of(sample(shape, seed, size))

    wire = hist.to_wire()
    twin = LogHistogram.from_wire(wire)

    assert _leaf_types(wire) <= {dict, str, int, float, bytes}
    assert state(twin) == state(hist)
    if hist.total:
        assert [twin.quantile(p, 0.0, np.inf) for p in QUANTILES] == [
            hist.quantile(p, 0.0, np.inf) for p in QUANTILES
        ]


def test_a_wire_form_with_another_relative_error_is_refused() -> None:
    wire: dict[str, Any] = {**histogram_of(np.array([0.5])).to_wire(), "alpha": 0.01}

    with pytest.raises(ValueError, match=r"alpha 0\.01 differs from 0\.005"):
        LogHistogram.from_wire(wire)
