"""Nearest-rank and linear percentiles agree with numpy and keep the nearest-rank promise."""

from __future__ import annotations

import math
from fractions import Fraction

import hypothesis.extra.numpy as hnp
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_qametrics.stats.percentiles import nearest_rank, percentiles

deterministic = settings(derandomize=True, max_examples=100, deadline=None, database=None)

# When a property fails, hypothesis imports libcst to suggest an @example patch, and libcst
# imports a deprecated mypy_extensions name; under filterwarnings=error that would turn the
# real failure into an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
)

NAMED_PS = (0.5, 0.75, 0.9, 0.95, 0.99, 0.999)
samples = hnp.arrays(
    dtype=np.float64,
    shape=st.integers(min_value=1, max_value=300),
    elements=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
)
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def numpy_inverted_cdf(values: npt.NDArray[np.float64], p: float) -> float:
    return float(np.quantile(values, p, method="inverted_cdf"))


def lands_near_an_integer(p: float, n: int) -> bool:
    """True when p*n is so close to a whole rank that float rounding decides it."""
    return abs(p * n - round(p * n)) < 1e-6


@deterministic
@given(values=samples)
def test_nearest_rank_of_named_percentiles_equals_numpy_inverted_cdf(
    values: npt.NDArray[np.float64],
) -> None:
    observed = percentiles(values, NAMED_PS, "nearest-rank")
    assert observed == [numpy_inverted_cdf(values, p) for p in NAMED_PS]


@deterministic
@given(values=samples, p=probabilities)
def test_nearest_rank_of_any_probability_equals_numpy_inverted_cdf(
    values: npt.NDArray[np.float64], p: float
) -> None:
    assume(not lands_near_an_integer(p, values.size))
    assert percentiles(values, [p], "nearest-rank") == [numpy_inverted_cdf(values, p)]


@deterministic
@given(n=st.integers(min_value=1, max_value=5000), p=probabilities)
def test_nearest_rank_is_the_exact_ceiling_of_p_times_n_away_from_float_noise(
    n: int, p: float
) -> None:
    assume(not lands_near_an_integer(p, n))
    exact = math.ceil(Fraction(p) * n)
    assert nearest_rank(p, n) == min(max(exact, 1), n)


@deterministic
@given(values=samples, p=probabilities)
def test_nearest_rank_result_is_always_an_observed_sample(
    values: npt.NDArray[np.float64], p: float
) -> None:
    (observed,) = percentiles(values, [p], "nearest-rank")
    assert observed in values.tolist()


@deterministic
@given(values=samples, p=st.sampled_from(NAMED_PS))
def test_linear_method_equals_numpy_linear(values: npt.NDArray[np.float64], p: float) -> None:
    expected = float(np.quantile(values, p, method="linear"))
    assert percentiles(values, [p], "linear") == [expected]


@deterministic
@given(
    values=samples,
    p=st.one_of(st.sampled_from(NAMED_PS), probabilities.filter(lambda p: p > 0)),
    threshold=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
)
def test_nearest_rank_percentile_is_within_threshold_iff_enough_samples_are(
    values: npt.NDArray[np.float64], p: float, threshold: float
) -> None:
    n = values.size
    rank = nearest_rank(p, n)
    (observed,) = percentiles(values, [p], "nearest-rank")
    # "p95 <= T" means "at least the p95 rank's worth of samples are <= T".
    assert (observed <= threshold) == (int(np.count_nonzero(values <= threshold)) >= rank)
    if not lands_near_an_integer(p, n):
        assert (observed <= threshold) == (np.count_nonzero(values <= threshold) >= p * n)


@deterministic
@given(values=samples, p=st.sampled_from(NAMED_PS))
def test_nearest_rank_percentile_sits_on_a_sample_in_the_sorted_order(
    values: npt.NDArray[np.float64], p: float
) -> None:
    (observed,) = percentiles(values, [p], "nearest-rank")
    assert observed == float(np.sort(values)[nearest_rank(p, values.size) - 1])


def test_p7_of_one_hundred_samples_is_the_seventh_despite_float_rounding() -> None:
    assert 0.07 * 100 > 7  # the pitfall: the float product is 7.000000000000001
    assert nearest_rank(0.07, 100) == 7
    values = np.arange(1.0, 101.0)
    assert percentiles(values, [0.07], "nearest-rank") == [7.0]


def test_p95_of_twenty_samples_is_the_nineteenth() -> None:
    values = np.arange(1.0, 21.0)[::-1].copy()
    assert nearest_rank(0.95, 20) == 19
    assert percentiles(values, [0.95], "nearest-rank") == [19.0]


def test_p95_of_one_hundred_samples_is_the_ninety_fifth_not_the_ninety_sixth() -> None:
    values = np.arange(1.0, 101.0)
    # sorted[int(0.95 * n)] would give 96; the nearest rank is 95.
    assert percentiles(values, [0.95], "nearest-rank") == [95.0]


@pytest.mark.parametrize(
    ("p", "n", "rank"),
    [(0.0, 10, 1), (0.5, 1, 1), (0.5, 2, 1), (0.5, 3, 2), (1.0, 10, 10), (0.999, 10, 10)],
)
def test_nearest_rank_stays_between_one_and_n(p: float, n: int, rank: int) -> None:
    assert nearest_rank(p, n) == rank


def test_percentiles_keep_the_order_of_the_requested_probabilities() -> None:
    values = np.arange(1.0, 101.0)
    assert percentiles(values, [0.99, 0.5, 0.9], "nearest-rank") == [99.0, 50.0, 90.0]


@pytest.mark.parametrize("method", ["nearest-rank", "linear"])
def test_percentile_of_an_empty_array_raises_value_error(method: str) -> None:
    with pytest.raises(ValueError, match="zero samples"):
        percentiles(np.empty(0, dtype=np.float64), [0.5], method)  # type: ignore[arg-type]


def test_nearest_rank_of_zero_samples_raises_value_error() -> None:
    with pytest.raises(ValueError, match="zero samples"):
        nearest_rank(0.5, 0)


@pytest.mark.parametrize("method", ["nearest-rank", "linear"])
def test_percentiles_leave_the_input_array_unmodified(method: str) -> None:
    values = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.5])
    before = values.copy()
    percentiles(values, NAMED_PS, method)  # type: ignore[arg-type]
    np.testing.assert_array_equal(values, before)
