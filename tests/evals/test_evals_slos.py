"""Evals SLO keys judged over pooled trials: values against brute force, flaky cases, scores."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pytest_qametrics.judge.evaluation import evaluate
from pytest_qametrics.samples.columns import ColumnEntry
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.wire import ItemRecord
from pytest_qametrics.slo.spec import SloError, specs_from_marker
from pytest_qametrics.stats.reliability import CaseCounts, cases_interval
from pytest_qametrics.trackers.evals import ERRORED, SKIPPED

Trial = tuple[str, int, float]


def population_of(*tests: list[Trial]) -> Population:
    """One test per list of (case, passed, score) trials, each test with its own vocabulary."""
    pool = Population()
    for position, trials in enumerate(tests):
        labels = list(dict.fromkeys(case for case, _, _ in trials))
        columns = {
            "case": np.array([labels.index(case) for case, _, _ in trials], dtype=np.int64),
            "passed": np.array([passed for _, passed, _ in trials], dtype=np.int64),
            "score": np.array([score for _, _, score in trials], dtype=np.float64),
        }
        entry = ColumnEntry(("evals", "default", ()), columns, list(labels), [])
        pool.add_member(ItemRecord(f"t::{position}", ("g",), (), "passed", 0.1, (entry,)))
    return pool


def judge(pool: Population, **mark: object) -> list[tuple[str, str, float | None, int]]:
    specs = specs_from_marker((), {"group": "g", **mark}, "g", "test_x")
    return [
        (v.spec.name, v.status, v.observed, v.n)
        for v in evaluate(specs, {"g": pool}, "nearest-rank")
    ]


def brute_force(outcomes: dict[str, list[int]], k: int, every: bool) -> float:
    """The share of k-subsets of each case's trials where all (or any) passed, averaged."""
    shares = []
    for trials in outcomes.values():
        subsets = list(itertools.combinations(trials, k))
        hits = [all(s) if every else any(s) for s in subsets]
        shares.append(sum(hits) / len(subsets))
    return sum(shares) / len(shares)


@pytest.mark.parametrize("seed", range(5))
def test_pass_hat_k_and_pass_at_k_slos_equal_the_brute_force_share_of_k_subsets(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    outcomes = {f"case{i}": rng.integers(0, 2, int(rng.integers(3, 7))).tolist() for i in range(6)}
    rows = [(case, int(p), float("nan")) for case, trials in outcomes.items() for p in trials]
    split = len(rows) // 2  # the trials of one case may come from two tests
    pool = population_of(rows[:split], rows[split:])

    verdicts = judge(pool, pass_hat_k=0.0, pass_at_k=0.0, k=3)

    assert verdicts[0][0] == "pass^3"
    assert verdicts[0][2] == pytest.approx(brute_force(outcomes, 3, every=True))
    assert verdicts[1][0] == "pass@3"
    assert verdicts[1][2] == pytest.approx(brute_force(outcomes, 3, every=False))
    assert verdicts[0][3] == sum(len(t) for t in outcomes.values())


def test_pass_rate_weighs_every_case_the_same_however_many_trials_it_ran() -> None:
    pool = population_of([("a", 1, 0.0)] * 9 + [("a", 0, 0.0)], [("b", 0, 0.0)] * 2)

    ((name, status, observed, n),) = judge(pool, pass_rate=0.5)

    assert (name, status, n) == ("pass_rate", "fail", 12)
    assert observed == pytest.approx((0.9 + 0.0) / 2)


def test_flaky_cases_counts_the_cases_that_both_passed_and_failed() -> None:
    pool = population_of(
        [("steady", 1, 0.0), ("steady", 1, 0.0), ("flaky", 1, 0.0), ("flaky", 0, 0.0)],
        [("broken", 0, 0.0), ("other", 1, 0.0), ("other", 0, 0.0)],
    )

    assert judge(pool, flaky_cases=1) == [("flaky_cases", "fail", 2.0, 7)]
    assert judge(pool, flaky_cases=2) == [("flaky_cases", "pass", 2.0, 7)]


def test_errored_and_skipped_trials_are_not_counted_as_failures() -> None:
    pool = population_of([("a", 1, 0.0), ("a", ERRORED, 0.0), ("a", SKIPPED, 0.0)])

    assert judge(pool, pass_rate=1.0) == [("pass_rate", "pass", 1.0, 1)]


def test_score_mean_and_median_rest_on_the_scored_trials_only() -> None:
    pool = population_of([("a", 1, 0.2), ("a", 1, 0.9), ("b", 0, float("nan")), ("b", 0, 0.4)])

    assert judge(pool, score_mean=0.5, score_median="<=0.4") == [
        ("score_mean", "pass", pytest.approx(0.5), 3),
        ("score_median", "pass", 0.4, 3),
    ]


def test_pass_hat_k_without_a_case_of_k_trials_says_how_to_get_them() -> None:
    pool = population_of([("a", 1, 0.0), ("a", 1, 0.0)])
    specs = specs_from_marker((), {"group": "g", "pass_hat_k": 0.5, "k": 4}, "g", "test_x")

    (verdict,) = evaluate(specs, {"g": pool}, "nearest-rank")

    assert verdict.status == "no_data"
    assert "no case has k=4 trials (the most any case has is 2)" in verdict.reason
    assert "slo(trials=4)" in verdict.reason


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ({"pass_hat_k": 0.7}, "pass_hat_k is the chance over k tries, so it needs k="),
        ({"pass_rate": 0.7, "k": 4}, "k=4 goes with pass_at_k or pass_hat_k"),
        ({"pass_hat_k": 0.7, "k": 0}, "k must be an int >= 1 such as k=4, not 0"),
        ({"pass_hat_k": 0.7, "k": True}, "k must be an int >= 1"),
        ({"pass_rate": 0.7, "stop_early": True}, "stop_early=True needs confidence="),
        ({"pass_rate": 0.7, "stop_early": "yes"}, "stop_early must be True or False"),
        ({"p95": 1.0, "stop_early": True, "confidence": 0.95}, "this mark has none of them"),
        (
            {"pass_rate": 1.0, "stop_early": True, "confidence": 0.95},
            "needs a pass_rate threshold strictly between 0 and 1",
        ),
        ({"flaky_cases": 0, "confidence": 0.9}, "put it in an slo mark of its own"),
        ({"pass_rate": 1.5}, "pass_rate"),
    ],
)
def test_bad_evals_marks_are_refused_with_what_would_be_right(
    mark: dict[str, object], message: str
) -> None:
    with pytest.raises(SloError) as raised:
        specs_from_marker((), mark, "g", "test_x.py::test_agent")
    assert message in str(raised.value)
    assert "test_x.py::test_agent" in str(raised.value)


@pytest.mark.parametrize(
    ("statistic", "k", "cases", "trials", "shape"),
    [
        ("pass_rate", None, 20, 8, (8, 2)),
        ("pass_rate", None, 18, 1, (7, 3)),
        ("pass_hat_k", 4, 20, 8, (8, 2)),
        ("pass_at_k", 2, 10, 4, (1, 2)),
    ],
)
def test_the_case_bootstrap_covers_the_true_value_on_each_side_at_its_confidence(
    statistic: str, k: int | None, cases: int, trials: int, shape: tuple[float, float]
) -> None:
    """Simulated suites (each case's pass rate from a Beta distribution, fixed seeds): each
    one-sided 95% bound holds in at least 93% of 500 suites (two standard errors of 500
    draws below 95%)."""
    a, b = shape
    rising = [(a + i) / (a + b + i) for i in range(k or 1)]
    falling = [(b + i) / (a + b + i) for i in range(k or 1)]  # E[(1 - p)^k]
    truth = {
        "pass_rate": a / (a + b),
        "pass_hat_k": float(np.prod(rising)),
        "pass_at_k": 1 - float(np.prod(falling)),
    }[statistic]
    rng = np.random.default_rng(7)
    low_held = high_held = 0
    for suite in range(500):
        passes = rng.binomial(trials, rng.beta(a, b, cases))
        counts = CaseCounts(
            tuple(map(str, range(cases))), np.full(cases, trials, dtype=np.int64), passes
        )
        interval = cases_interval(statistic, counts, k, 0.95, resamples=400, seed=suite)
        low_held += interval.low <= truth
        high_held += interval.high >= truth
    assert low_held >= 465, low_held
    assert high_held >= 465, high_held


def test_a_case_that_passed_every_trial_gets_the_exact_lower_bound_of_its_trials() -> None:
    counts = CaseCounts(("a",), np.array([8]), np.array([8]))

    interval = cases_interval("pass_rate", counts, None, 0.95)

    assert interval.low == pytest.approx(0.05 ** (1 / 8), abs=0.02)  # 0.69, Clopper-Pearson's
    assert interval.high == 1.0


@pytest.mark.parametrize("rate", [0.5, 0.8, 0.95])
def test_one_case_of_eight_trials_is_bounded_like_a_binomial_rate(rate: float) -> None:
    """With a single case only its trials carry doubt: each one-sided 95% bound of its pass
    rate holds in at least 93% of 500 simulated runs."""
    rng = np.random.default_rng(3)
    low_held = high_held = 0
    for run in range(500):
        counts = CaseCounts(("a",), np.array([8]), np.array([rng.binomial(8, rate)]))
        interval = cases_interval("pass_rate", counts, None, 0.95, resamples=400, seed=run)
        low_held += interval.low <= rate
        high_held += interval.high >= rate
    assert low_held >= 465, low_held
    assert high_held >= 465, high_held
