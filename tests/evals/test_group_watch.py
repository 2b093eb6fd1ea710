"""The online watch of a group's stop_early SLOs takes the decisions the final judging takes."""

from __future__ import annotations

import numpy as np

from pytest_qametrics.judge.early import GroupWatch, fewest_to_decide, sequence_values
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.sequential import betting_bounds

RATE = SloSpec("agent", "evals", "pass_rate", ">=", 0.6, confidence=0.95, stop_early=True)
HAT = SloSpec("agent", "evals", "pass_hat_k", ">=", 0.5, confidence=0.95, stop_early=True, k=2)


def test_a_group_is_decided_once_every_stop_early_slo_is() -> None:
    watch = GroupWatch.of([RATE, HAT])
    decided_at = [t for t in range(1, 201) if watch.add(f"case{t % 10}", True)]

    assert decided_at == [watch.decided_after]
    # pass_rate alone would be decided after 11 passes; pass^2 observes a case only at its
    # second trial, so the group takes longer
    assert watch.decided_after is not None
    assert watch.decided_after > fewest_to_decide(0.6, 0.95, True) == 11
    assert [w.decided for w in watch.watches] == ["above", "above"]


def test_an_slo_seen_late_is_replayed_the_trials_so_far() -> None:
    early = GroupWatch.of([RATE, HAT])
    late = GroupWatch.of([RATE])
    rng = np.random.default_rng(5)
    rows = [(f"case{i % 30}", bool(rng.random() < 0.97)) for i in range(300)]
    for position, (case, passed) in enumerate(rows):
        if position == 5:  # the second function of the group sends its first payload
            late.include([HAT, RATE])  # RATE again is not watched twice
        early.add(case, passed)
        late.add(case, passed)

    assert len(late.watches) == 2
    assert early.decided_after is not None
    assert early.decided_after == late.decided_after
    assert [w.decided for w in early.watches] == [w.decided for w in late.watches]


def test_a_group_without_stop_early_slos_is_never_decided() -> None:
    watch = GroupWatch()

    assert not any(watch.add("case", True) for _ in range(100))
    assert watch.decided_after is None


def test_the_final_bounds_agree_with_the_online_decision() -> None:
    rng = np.random.default_rng(11)
    codes = np.repeat(np.arange(30), 4)
    rng.shuffle(codes)
    passed = (rng.random(codes.size) < 0.95).astype(np.int64)
    watch = GroupWatch.of([HAT])
    for code, ok in zip(codes.tolist(), passed.tolist(), strict=True):
        watch.add(str(code), bool(ok))

    bounds = betting_bounds(sequence_values(HAT, codes, passed), 0.95, HAT.threshold)

    assert watch.watches[0].decided == "above"
    assert bounds.low >= HAT.threshold
