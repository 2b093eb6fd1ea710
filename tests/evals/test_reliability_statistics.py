"""pass@k, pass^k, pass rates and flaky cases against brute-force enumeration of trial subsets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pytest_qametrics.stats.reliability import (
    case_counts,
    flaky_mask,
    pass_at_k,
    pass_hat_k,
    per_case_values,
)


def brute_force(outcomes: list[bool], k: int) -> tuple[float, float]:
    """Over every k-subset of one case's trials: the share with a pass, and with all passes."""
    subsets = list(itertools.combinations(outcomes, k))
    any_pass = sum(any(s) for s in subsets) / len(subsets)
    all_pass = sum(all(s) for s in subsets) / len(subsets)
    return any_pass, all_pass


@pytest.mark.parametrize("seed", range(30))
def test_per_case_estimators_equal_the_share_of_k_subsets_that_pass(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    k = int(rng.integers(1, n + 1))
    outcomes = [bool(v) for v in rng.uniform(size=n) < rng.uniform()]
    c = sum(outcomes)

    at_k = pass_at_k(np.array([n]), np.array([c]), k)[0]
    hat_k = pass_hat_k(np.array([n]), np.array([c]), k)[0]

    expected_any, expected_all = brute_force(outcomes, k)
    assert at_k == pytest.approx(expected_any, abs=1e-12)
    assert hat_k == pytest.approx(expected_all, abs=1e-12)


def test_cases_with_fewer_than_k_trials_give_no_pass_hat_k_value() -> None:
    counts = case_counts(np.array([0, 0, 0, 1]), np.array([1, 1, 0, 1]), ["long", "short"])

    values = per_case_values("pass_hat_k", counts, 3)

    assert values.tolist() == [0.0]
    assert flaky_mask(counts).tolist() == [True, False]
    assert per_case_values("pass_rate", counts, None).tolist() == pytest.approx([2 / 3, 1.0])


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        pass_hat_k(np.array([3]), np.array([1]), 0)
