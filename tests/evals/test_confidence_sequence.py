"""The betting confidence sequence: its guarantee under continuous monitoring, by simulation.

Every simulation has a fixed seed and is vectorised over replications (a second or so).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from pytest_qametrics.stats.intervals import z_for
from pytest_qametrics.stats.sequential import BettingSequence, betting_bounds, first_crossings

CONFIDENCE = 0.95
#: Three standard errors of a 5% rate estimated from REPLICATIONS runs (0.0034 each).
TOLERANCE = 0.01
REPLICATIONS = 4000


def naive_wilson_crossings(
    values: npt.NDArray[np.float64], threshold: float
) -> npt.NDArray[np.bool_]:
    """Whether a one-sided Wilson upper bound, recomputed after every observation, ever fell
    below the threshold (the "peeking" gate)."""
    z = z_for(CONFIDENCE)
    n = np.arange(1, values.shape[1] + 1)
    p = np.cumsum(values, axis=1) / n
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.asarray(((center + half) < threshold).any(axis=1))


def decided(
    values: npt.NDArray[np.float64], threshold: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    above, below = first_crossings(values, threshold, CONFIDENCE)
    return above, below


@pytest.mark.parametrize(
    ("draw", "threshold"),
    [
        ("bernoulli", 0.7),
        ("bernoulli", 0.3),
        ("beta", 0.7),
    ],
)
def test_a_true_mean_at_the_threshold_is_wrongly_failed_at_most_5_percent_of_the_time(
    draw: str, threshold: float
) -> None:
    rng = np.random.default_rng(20261202)
    shape = (REPLICATIONS, 300)
    if draw == "bernoulli":
        values = (rng.uniform(size=shape) < threshold).astype(np.float64)
    else:  # per-case values in [0, 1] with mean exactly the threshold
        values = rng.beta(threshold * 10, (1 - threshold) * 10, size=shape)

    _, below = decided(values, threshold)

    # The SLO "mean >= threshold" is met, so a "below" decision (a fail) is the wrong verdict.
    assert (below > 0).mean() <= 1 - CONFIDENCE + TOLERANCE


def test_peeking_at_a_wilson_interval_after_every_case_exceeds_the_5_percent() -> None:
    rng = np.random.default_rng(20261203)
    threshold = 0.7
    values = (rng.uniform(size=(REPLICATIONS, 300)) < threshold).astype(np.float64)

    naive = naive_wilson_crossings(values, threshold).mean()
    _, below = decided(values, threshold)

    assert naive > 1 - CONFIDENCE + TOLERANCE  # about 0.39 with this seed
    assert (below > 0).mean() <= 1 - CONFIDENCE + TOLERANCE


def pass_hat_4_values(
    rng: np.random.Generator, a: float, b: float, cases: int
) -> npt.NDArray[np.float64]:
    """Per-case unbiased pass^4 from 8 trials of cases whose success chance is Beta(a, b)."""
    chance = rng.beta(a, b, size=(1000, cases))
    passes = rng.binomial(8, chance)
    table = np.array([math.comb(c, 4) / math.comb(8, 4) for c in range(9)])
    return np.asarray(table[passes])


@pytest.mark.parametrize(
    ("a", "b", "right_side"),
    [(30.0, 1.0, "above"), (2.0, 3.0, "below")],
    ids=["clearly-met", "clearly-broken"],
)
def test_a_clearly_met_or_broken_pass_hat_k_is_decided_on_less_than_half_the_trials(
    a: float, b: float, right_side: str
) -> None:
    rng = np.random.default_rng(7)
    cases = 40
    values = pass_hat_4_values(rng, a, b, cases)  # true pass^4 about 0.88, resp. 0.07

    above, below = decided(values, 0.5)

    right, wrong = (above, below) if right_side == "above" else (below, above)
    used = np.where(right > 0, right, cases)
    assert (wrong > 0).sum() == 0
    assert (right > 0).mean() >= 0.99
    assert 1 - used.mean() / cases >= 0.5  # the share of trials saved (about 0.73 and 0.77)


def test_the_incremental_check_takes_the_same_decisions_as_the_vectorised_one() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        threshold = float(rng.uniform(0.05, 0.95))
        values = rng.uniform(size=60) ** rng.uniform(0.2, 4)
        sequence = BettingSequence(threshold, CONFIDENCE)
        for value in values.tolist():
            sequence.add(value)
        above, below = first_crossings(values[None, :], threshold, CONFIDENCE)
        expected = None
        if above[0] and (not below[0] or above[0] < below[0]):
            expected = ("above", int(above[0]))
        elif below[0]:
            expected = ("below", int(below[0]))
        got = (sequence.decided, sequence.decided_at) if sequence.decided else None
        assert got == expected


def test_the_bounds_are_the_last_means_the_sequence_rejected_on_each_side() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        values = (rng.uniform(size=80) < rng.uniform(0.2, 0.8)).astype(np.float64)
        bounds = betting_bounds(values, CONFIDENCE)
        low, high = bounds.low, bounds.high
        if low > 0:
            assert first_crossings(values, low, CONFIDENCE)[0][0] > 0
        assert first_crossings(values, low + 0.001, CONFIDENCE)[0][0] == 0
        if high < 1:
            assert first_crossings(values, high, CONFIDENCE)[1][0] > 0
        assert first_crossings(values, high - 0.001, CONFIDENCE)[1][0] == 0
        assert bounds.low < bounds.high


def test_a_decision_at_the_threshold_shows_in_the_bounds() -> None:
    values = np.ones(20)
    sequence = BettingSequence(0.5, CONFIDENCE)
    for value in values.tolist():
        sequence.add(value)

    bounds = betting_bounds(values, CONFIDENCE, 0.5)

    assert sequence.decided == "above"
    assert bounds.low >= 0.5
    assert bounds.high == 1.0


def test_no_observation_leaves_the_whole_unit_interval() -> None:
    bounds = betting_bounds(np.empty(0), CONFIDENCE)
    assert (bounds.low, bounds.high, bounds.count) == (0.0, 1.0, 0)


@pytest.mark.parametrize(
    ("threshold", "confidence", "value", "message"),
    [
        (0.0, 0.95, 0.5, "must lie in"),
        (0.5, 0.4, 0.5, "confidence must be"),
        (0.5, 0.95, 1.5, r"values in \[0, 1\]"),
    ],
)
def test_bad_input_is_refused_with_what_is_allowed(
    threshold: float, confidence: float, value: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BettingSequence(threshold, confidence).add(value)
