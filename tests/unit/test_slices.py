"""``per="<tag>"`` SLOs: samples without the tag are a slice of their own; many slices warn."""

from __future__ import annotations

import numpy as np

from pytest_qametrics.judge.evaluation import MANY_SLICES, crowded_slices, evaluate
from pytest_qametrics.samples.columns import ColumnEntry
from pytest_qametrics.samples.itemstore import Tags
from pytest_qametrics.samples.population import UNTAGGED, Population
from pytest_qametrics.samples.wire import ItemRecord, SeriesEntry
from pytest_qametrics.slo.spec import SloSpec

SPEC = SloSpec("g", "latency", "p95", "<=", 0.5, per="region")


def pool_of(*series: tuple[Tags, list[float]]) -> Population:
    pool = Population()
    for position, (tags, values) in enumerate(series):
        entry = SeriesEntry(("latency", "op", tags), np.array(values), np.empty(0), {})
        pool.add_member(ItemRecord(f"t::{position}", ("g",), (), "passed", 0.1, (entry,)))
    return pool


def test_untagged_samples_are_judged_as_their_own_slice_and_fail_it() -> None:
    pool = pool_of(((("region", "eu"),), [0.01]), ((), [5.0] * 100))

    verdicts = evaluate([SPEC], {"g": pool}, "nearest-rank")

    assert [(v.part, v.status, v.n) for v in verdicts] == [
        (UNTAGGED, "fail", 100),
        ("eu", "pass", 1),
    ]


def test_a_tag_nobody_recorded_is_still_no_data_not_an_untagged_slice() -> None:
    pool = pool_of(((), [0.01]))

    (verdict,) = evaluate([SPEC], {"g": pool}, "nearest-rank")

    assert (verdict.part, verdict.status, verdict.reason) == (
        None,
        "no_data",
        "no samples to slice per region",
    )


def test_tagged_slices_hold_only_their_own_samples_when_tags_are_mixed() -> None:
    pool = pool_of(
        ((("region", "eu"), ("tier", "gold")), [0.1]),
        ((("region", "us"),), [0.2, 0.3]),
        ((("tier", "gold"),), [0.9]),
    )

    verdicts = evaluate([SPEC], {"g": pool}, "nearest-rank")

    assert [(v.part, v.n, v.observed) for v in verdicts] == [
        (UNTAGGED, 1, 0.9),
        ("eu", 1, 0.1),
        ("us", 2, 0.3),
    ]


def test_more_slices_than_the_documented_cardinality_are_warned_about() -> None:
    few = pool_of(*[((("region", f"r{i}"),), [0.01]) for i in range(MANY_SLICES)])
    many = pool_of(*[((("region", f"r{i}"),), [0.01]) for i in range(MANY_SLICES + 1)])

    assert crowded_slices(evaluate([SPEC], {"g": few}, "nearest-rank")) == []
    (warning,) = crowded_slices(evaluate([SPEC], {"g": many}, "nearest-rank"))
    assert warning.startswith(
        f"g: p95 per='region' was judged on {MANY_SLICES + 1} slices (more than {MANY_SLICES})"
    )


def test_untagged_values_of_a_custom_metric_are_a_slice_too() -> None:
    pool = Population()
    for position, (tags, value) in enumerate([((("model", "a"),), 0.5), ((), 9.0)]):
        entry = ColumnEntry(("metric", "cost", tags), {"value": np.array([value])}, [], [])
        pool.add_member(ItemRecord(f"t::{position}", ("g",), (), "passed", 0.1, (entry,)))
    spec = SloSpec("g", "metric", "max", "<=", 1.0, metric="cost", per="model")

    verdicts = evaluate([spec], {"g": pool}, "nearest-rank")

    assert [(v.part, v.status, v.observed) for v in verdicts] == [
        (UNTAGGED, "fail", 9.0),
        ("a", "pass", 0.5),
    ]
