"""summarize_latency: counts, rates, moments and percentiles of successful and failed durations."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_qametrics.stats.latency_stats import LatencyStats, summarize_latency
from pytest_qametrics.stats.percentiles import percentiles

deterministic = settings(derandomize=True, max_examples=75, deadline=None, database=None)

# When a property fails, hypothesis imports libcst to suggest an @example patch, and libcst
# imports a deprecated mypy_extensions name; under filterwarnings=error that would turn the
# real failure into an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
)

durations = hnp.arrays(
    dtype=np.float64,
    shape=st.integers(min_value=0, max_value=200),
    elements=st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
)
NO_SAMPLES = np.empty(0, dtype=np.float64)


def seconds(*values: float) -> npt.NDArray[np.float64]:
    return np.array(values, dtype=np.float64)


@deterministic
@given(ok=durations, fail=durations)
def test_summary_matches_numpy_over_successes_and_failures_together(
    ok: npt.NDArray[np.float64], fail: npt.NDArray[np.float64]
) -> None:
    stats = summarize_latency(ok, fail, {}, "nearest-rank")
    everything = np.concatenate((ok, fail))
    n = everything.size
    assert (stats.count, stats.success_count, stats.failure_count) == (n, ok.size, fail.size)
    if n == 0:
        assert stats.mean is None
        return
    assert stats.success_rate == pytest.approx(ok.size / n)
    assert stats.error_rate == pytest.approx(fail.size / n)
    assert stats.mean == pytest.approx(float(np.mean(everything)))
    assert stats.min == float(everything.min())
    assert stats.max == float(everything.max())
    assert stats.median == pytest.approx(float(np.median(everything)))
    expected_stdev = float(np.std(everything, ddof=1)) if n > 1 else 0.0
    assert stats.stdev == pytest.approx(expected_stdev)
    assert stats.p95 == float(np.quantile(everything, 0.95, method="inverted_cdf"))


@deterministic
@given(values=durations.filter(lambda a: a.size > 0), seed=st.integers(0, 2**32 - 1))
def test_moments_do_not_depend_on_the_order_samples_arrived_in(
    values: npt.NDArray[np.float64], seed: int
) -> None:
    shuffled = np.random.default_rng(seed).permutation(values)
    half = values.size // 2
    first = summarize_latency(values, NO_SAMPLES, {}, "nearest-rank")
    second = summarize_latency(shuffled[:half], shuffled[half:], {}, "nearest-rank")
    assert (first.mean, first.stdev, first.median, first.p95) == (
        second.mean,
        second.stdev,
        second.median,
        second.p95,
    )


def test_counts_and_rates_of_three_successes_and_one_failure() -> None:
    stats = summarize_latency(seconds(0.1, 0.2, 0.3), seconds(0.4), {"Boom": 1}, "nearest-rank")
    assert stats.count == 4
    assert stats.success_count == 3
    assert stats.failure_count == 1
    assert stats.success_rate == 0.75
    assert stats.error_rate == 0.25
    assert stats.errors == {"Boom": 1}


def test_stdev_uses_the_sample_formula_with_ddof_one() -> None:
    stats = summarize_latency(seconds(1.0, 2.0, 3.0, 4.0), NO_SAMPLES, {}, "nearest-rank")
    assert stats.stdev == pytest.approx(1.2909944487358056)


def test_stdev_of_a_single_sample_is_zero_not_nan() -> None:
    stats = summarize_latency(seconds(0.5), NO_SAMPLES, {}, "nearest-rank")
    assert stats.stdev == 0.0
    assert stats.mean == stats.median == stats.min == stats.max == stats.p99 == 0.5


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values() -> None:
    stats = summarize_latency(seconds(4.0, 1.0, 3.0, 2.0), NO_SAMPLES, {}, "nearest-rank")
    assert stats.median == 2.5
    assert stats.p50 == 2.0


def test_p50_follows_the_linear_method_when_it_is_chosen() -> None:
    stats = summarize_latency(seconds(1.0, 2.0, 3.0, 10.0), NO_SAMPLES, {}, "linear")
    assert stats.method == "linear"
    assert stats.p50 == 2.5
    assert stats.p75 == pytest.approx(float(np.quantile([1.0, 2.0, 3.0, 10.0], 0.75)))


def test_every_percentile_follows_nearest_rank_by_default() -> None:
    values = np.arange(1.0, 1001.0)
    stats = summarize_latency(values, NO_SAMPLES, {}, "nearest-rank")
    assert [stats.p50, stats.p75, stats.p90, stats.p95, stats.p99, stats.p999] == [
        500.0,
        750.0,
        900.0,
        950.0,
        990.0,
        999.0,
    ]


def test_failed_durations_are_included_in_the_percentiles() -> None:
    ok = np.full(90, 0.1)
    fail = np.full(10, 5.0)
    stats = summarize_latency(ok, fail, {"TimeoutError": 10}, "nearest-rank")
    assert stats.max == 5.0
    assert stats.p95 == 5.0
    assert stats.p90 == 0.1
    assert stats.p95 == percentiles(np.concatenate((ok, fail)), [0.95], "nearest-rank")[0]


def test_only_failures_still_give_duration_statistics() -> None:
    stats = summarize_latency(NO_SAMPLES, seconds(2.0, 4.0), {"E": 2}, "nearest-rank")
    assert stats.success_rate == 0.0
    assert stats.error_rate == 1.0
    assert stats.mean == 3.0


def test_no_samples_give_count_zero_and_none_for_every_statistic() -> None:
    stats = summarize_latency(NO_SAMPLES, NO_SAMPLES, {}, "nearest-rank")
    assert (stats.count, stats.success_count, stats.failure_count) == (0, 0, 0)
    for name in (
        "success_rate",
        "error_rate",
        "mean",
        "median",
        "min",
        "max",
        "stdev",
        "p50",
        "p75",
        "p90",
        "p95",
        "p99",
        "p999",
    ):
        assert stats[name] is None, name


def test_summary_does_not_modify_the_input_arrays() -> None:
    ok = seconds(3.0, 1.0, 2.0)
    fail = seconds(9.0, 0.5)
    summarize_latency(ok, fail, {}, "nearest-rank")
    np.testing.assert_array_equal(ok, [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(fail, [9.0, 0.5])


def test_statistics_can_be_read_by_key_as_well_as_by_attribute() -> None:
    stats = summarize_latency(np.arange(1.0, 21.0), NO_SAMPLES, {}, "nearest-rank")
    assert stats["p95"] == stats.p95 == 19.0
    assert stats["count"] == 20


@pytest.mark.parametrize("key", ["p59", "P95", "percentile", ""])
def test_reading_an_unknown_statistic_by_key_raises_key_error(key: str) -> None:
    stats = summarize_latency(seconds(1.0), NO_SAMPLES, {}, "nearest-rank")
    with pytest.raises(KeyError):
        stats[key]


def test_the_errors_mapping_is_a_copy_of_the_one_passed_in() -> None:
    errors = {"Boom": 1}
    stats = summarize_latency(NO_SAMPLES, seconds(1.0), errors, "nearest-rank")
    errors["Boom"] = 99
    assert stats.errors == {"Boom": 1}


def test_to_dict_gives_plain_values_for_every_field() -> None:
    stats = summarize_latency(seconds(1.0, 2.0), NO_SAMPLES, {}, "nearest-rank")
    as_dict = stats.to_dict()
    assert set(as_dict) == set(LatencyStats.__dataclass_fields__)
    assert as_dict["mean"] == 1.5
    assert type(as_dict["mean"]) is float
