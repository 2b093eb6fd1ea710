"""The tests behind regression keys: calibrated under no change, and able to see a real one.

Every simulation uses fixed seeds, so these are exact regression tests of the statistics; the
bounds leave room for the sampling noise of the number of simulated runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from pytest_qametrics.judge.baseline import Confusion, Histogram
from pytest_qametrics.judge.significance import (
    confusion_bootstrap,
    quantile_bootstrap,
    quantile_testable,
    samples_for_quantile_test,
    two_proportion,
    welch_mean,
)

ALPHA = 0.05


def latencies(rng: np.random.Generator, n: int, factor: float = 1.0) -> Histogram:
    return Histogram.of_values(rng.lognormal(-3.0, 0.5, n) * factor)


def p95_p_values(trials: int, n: int, factor: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array(
        [
            quantile_bootstrap(latencies(rng, n, factor), latencies(rng, n), 0.95, seed=t).p_value
            for t in range(trials)
        ]
    )


def test_the_p95_bootstrap_rarely_calls_an_unchanged_latency_a_regression() -> None:
    rejected = (p95_p_values(trials=100, n=200, factor=1.0, seed=7) < ALPHA).mean()
    assert rejected <= 0.09  # nominal 5%; about 3-4% in 300-run simulations


def test_the_p95_bootstrap_sees_a_30_percent_slowdown_at_400_samples() -> None:
    detected = (p95_p_values(trials=25, n=400, factor=1.3, seed=8) < ALPHA).mean()
    assert detected >= 0.9


def test_a_faster_run_is_never_a_regression() -> None:
    rng = np.random.default_rng(3)
    result = quantile_bootstrap(latencies(rng, 400, 0.7), latencies(rng, 400), 0.95)
    assert result.p_value > 0.5
    assert result.method == "bootstrap of histograms"


def test_the_same_seed_gives_the_same_p_value() -> None:
    rng = np.random.default_rng(4)
    now, then = latencies(rng, 300, 1.1), latencies(rng, 300)
    assert quantile_bootstrap(now, then, 0.95) == quantile_bootstrap(now, then, 0.95)


def test_large_runs_resample_bucket_counts_and_stay_calibrated() -> None:
    rng = np.random.default_rng(5)
    p_values = [
        quantile_bootstrap(latencies(rng, 3_000), latencies(rng, 3_000), 0.99, seed=t).p_value
        for t in range(15)
    ]
    slow = quantile_bootstrap(latencies(rng, 3_000, 1.2), latencies(rng, 3_000), 0.99)
    assert np.mean(np.array(p_values) < ALPHA) <= 2 / 15
    assert slow.p_value < ALPHA


@pytest.mark.parametrize(("q", "n"), [(0.5, 2), (0.9, 10), (0.95, 20), (0.99, 100), (0.999, 1000)])
def test_a_percentile_is_testable_once_it_is_not_the_sample_maximum(q: float, n: int) -> None:
    assert samples_for_quantile_test(q) == n
    assert quantile_testable(q, n)
    assert not quantile_testable(q, n - 1)


def test_the_bootstrap_refuses_a_percentile_that_is_the_maximum() -> None:
    rng = np.random.default_rng(6)
    with pytest.raises(ValueError, match="is their maximum"):
        quantile_bootstrap(latencies(rng, 50), latencies(rng, 500), 0.99)


def test_the_two_proportion_test_is_calibrated_and_sees_a_five_point_rise() -> None:
    rng = np.random.default_rng(9)
    n = 1000

    def p_value(rate_now: float) -> float:
        now, then = rng.binomial(n, rate_now) / n, rng.binomial(n, 0.10) / n
        return two_proportion(now, n, then, n, higher_is_worse=True).p_value

    unchanged = np.mean([p_value(0.10) < ALPHA for _ in range(2000)])
    risen = np.mean([p_value(0.15) < ALPHA for _ in range(500)])
    assert 0.03 <= unchanged <= 0.07
    assert risen >= 0.9


def test_a_drop_is_worse_for_a_rate_where_higher_is_better() -> None:
    drop = two_proportion(0.85, 500, 0.92, 500, higher_is_worse=False)
    rise = two_proportion(0.95, 500, 0.92, 500, higher_is_worse=False)
    assert drop.p_value < 0.001 < 0.9 < rise.p_value


def test_rates_without_any_variance_are_not_a_change() -> None:
    assert two_proportion(0.0, 100, 0.0, 100, higher_is_worse=True).p_value == 1.0


def test_the_welch_test_of_means_is_calibrated() -> None:
    rng = np.random.default_rng(10)

    def sides(factor: float) -> tuple[tuple[int, float, float], tuple[int, float, float]]:
        a, b = rng.lognormal(-3, 0.5, 300) * factor, rng.lognormal(-3, 0.5, 300)
        return (300, a.mean(), a.var(ddof=1)), (300, b.mean(), b.var(ddof=1))

    unchanged = np.mean([welch_mean(*sides(1.0), True).p_value < ALPHA for _ in range(2000)])
    slower = np.mean([welch_mean(*sides(1.15), True).p_value < ALPHA for _ in range(300)])
    assert 0.03 <= unchanged <= 0.07
    assert slower >= 0.9


def confusion(rng: np.random.Generator, n: int, accuracy: float) -> Confusion:
    actual = rng.integers(0, 3, n)
    wrong = rng.random(n) > accuracy
    predicted = np.where(wrong, (actual + rng.integers(1, 3, n)) % 3, actual)
    matrix = np.zeros((3, 3), dtype=np.int64)
    np.add.at(matrix, (actual, predicted), 1)
    return Confusion(("a", "b", "c"), matrix)


def test_the_f1_bootstrap_is_calibrated_and_sees_a_ten_point_drop() -> None:
    rng = np.random.default_rng(11)

    def p(now: float) -> float:
        return confusion_bootstrap(
            confusion(rng, 300, now),
            confusion(rng, 300, 0.85),
            "f1_macro",
            seed=int(rng.integers(1 << 30)),
        ).p_value

    unchanged = np.mean([p(0.85) < ALPHA for _ in range(100)])
    dropped = np.mean([p(0.75) < ALPHA for _ in range(40)])
    assert unchanged <= 0.1
    assert dropped >= 0.9


def test_the_worst_class_recall_has_a_bootstrap_test_too() -> None:
    rng = np.random.default_rng(12)
    result = confusion_bootstrap(
        confusion(rng, 600, 0.6), confusion(rng, 600, 0.9), "min_class_recall"
    )
    assert result.p_value < ALPHA
    assert result.method == "bootstrap of confusion matrices"
