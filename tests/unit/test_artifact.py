"""The data artifact: a Collector survives the file unchanged, and shards merge into their union."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_qametrics.judge.evaluation import Verdict, evaluate
from pytest_qametrics.samples.artifact import (
    ARTIFACT_NAME,
    ArtifactError,
    dump_collector,
    load_collector,
    merge_into,
    write_atomic,
)
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.wire import ItemRecord, decode_item, encode_item
from pytest_qametrics.slo.spec import SESSION, SloSpec
from pytest_qametrics.stats.digest import DEFAULT_EXACT_CAP
from pytest_qametrics.trackers.custom_metrics import METRIC_COLUMNS

CAP = 50
SESSION_SPECS = [
    SloSpec(SESSION, "latency", "p95", "<=", 0.5, declared_at="qametrics_slo line 1"),
    SloSpec(SESSION, "latency", "mean", "<=", 0.2, operation="search"),
    SloSpec(SESSION, "metric", "sum", "<=", 2.0, metric="cost_usd"),
]
CHECKOUT = SloSpec("checkout", "latency", "p99", "<=", 0.9, min_samples=20)
SEARCH = SloSpec("t.py::test_search", "latency", "error_rate", "<=", 0.1)


def record(
    nodeid: str, spec: SloSpec, operation: str, seed: int, size: int, cost: float
) -> ItemRecord:
    """One finished test's payload, through the real encoder and decoder."""
    rng = np.random.default_rng(seed)
    store = ItemStore()
    series = store.latency(operation)
    series.ok.extend(rng.lognormal(np.log(0.1), 0.7, size).tolist())
    series.add_failure(float(rng.uniform(0.5, 1.0)), "TimeoutError: read timed out")
    store.columns("metric", "cost_usd", METRIC_COLUMNS).columns["value"].append(cost)
    payload = encode_item(nodeid, (spec.scope,), (spec,), "passed", 0.01 * seed, store)
    return decode_item(payload, f"test {nodeid}")


RECORDS = [
    *(record(f"t.py::test_checkout[{i}]", CHECKOUT, "checkout", i, 30, 0.07) for i in range(4)),
    *(record(f"t.py::test_search[{i}]", SEARCH, "search", 10 + i, 5, 0.11) for i in range(3)),
]


def collector_of(records: list[ItemRecord], cap: int = CAP, worker: str = "gw0") -> Collector:
    """A controller's collector after ``records`` arrived, one lost worker and one problem."""
    collector = Collector(SESSION_SPECS, cap)
    for item in records:
        collector.add_test_phase("setup", "passed", 0.0)
        collector.add_test_phase("call", "passed", item.call_duration or 0.0)
        collector.add_test_phase("teardown", "passed", 0.0)
        collector.add_record(item, worker)
    collector.add_test_phase("setup", "skipped", 0.0)  # and one unmarked test that was skipped
    collector.add_test_phase("teardown", "passed", 0.0)
    collector.workers.crashed_while("gw1", "t.py::test_crash")
    collector.workers.problems.append("worker gw0 sent 8 test payloads, but 7 arrived")
    return collector


def population_state(population: Population) -> dict[str, Any]:
    """Everything a population holds, as comparable plain data."""
    return {
        "items": (population.items, population.skipped, population.nodeids),
        "calls": population.call_durations.tolist(),
        "series": {
            key: (
                pool.ok.joined().tolist(),
                pool.fail.joined().tolist(),
                pool.errors,
                None if pool.digest is None else pool.digest.to_wire(),
            )
            for key, pool in population.series.items()
        },
        "columns": {
            key: ({n: v.tolist() for n, v in pool.arrays().items()}, pool.labels)
            for key, pool in population.columns.items()
        },
    }


def round_trip(collector: Collector, directory: Path, method: str = "nearest-rank") -> Collector:
    """Write ``collector`` as an artifact into ``directory`` and read it back."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ARTIFACT_NAME
    write_atomic(path, dump_collector(collector, method))
    loaded, loaded_method = load_collector(path, collector.cap)
    assert loaded_method == method
    return loaded


def verdicts(collector: Collector) -> list[Verdict]:
    return evaluate(collector.specs, collector.scopes(), "nearest-rank")


def test_a_collector_survives_the_artifact_with_pools_digests_lost_workers_and_problems(
    tmp_path: Path,
) -> None:
    original = collector_of(RECORDS)

    loaded = round_trip(original, tmp_path)

    assert original.groups["checkout"].series[("latency", "checkout", ())].digest is not None
    assert original.groups["t.py::test_search"].series[("latency", "search", ())].digest is None
    assert loaded.specs == original.specs
    assert population_state(loaded.session) == population_state(original.session)
    assert {name: population_state(p) for name, p in loaded.groups.items()} == {
        name: population_state(p) for name, p in original.groups.items()
    }
    assert [(w.worker, w.reason, w.running) for w in loaded.workers.lost.values()] == [
        ("gw1", "it crashed", "t.py::test_crash")
    ]
    assert loaded.workers.problems == original.workers.problems
    assert verdicts(loaded) == verdicts(original)


def test_the_percentile_method_of_the_run_is_kept(tmp_path: Path) -> None:
    round_trip(collector_of(RECORDS[:2]), tmp_path, method="linear")


def test_merging_two_shards_judges_exactly_what_one_run_of_all_tests_judges(
    tmp_path: Path,
) -> None:
    whole = collector_of(RECORDS, cap=DEFAULT_EXACT_CAP)
    first = round_trip(collector_of(RECORDS[:3], DEFAULT_EXACT_CAP), tmp_path / "shard0")
    second = round_trip(collector_of(RECORDS[3:], DEFAULT_EXACT_CAP), tmp_path / "shard1")

    merge_into(first, second)

    assert verdicts(first) == verdicts(whole)
    assert set(first.groups) == set(whole.groups) == {"checkout", "t.py::test_search"}
    for name, population in whole.groups.items():
        assert first.groups[name].items == population.items
        assert sorted(first.groups[name].nodeids) == sorted(population.nodeids)
    assert (first.session.items, first.session.skipped) == (len(RECORDS) + 2, 2)
    assert sorted(first.session.call_durations) == sorted(whole.session.call_durations)


def test_merged_shards_past_the_cap_keep_every_sample_counted(tmp_path: Path) -> None:
    whole = collector_of(RECORDS)
    first = round_trip(collector_of(RECORDS[:2]), tmp_path / "shard0")
    second = round_trip(collector_of(RECORDS[2:]), tmp_path / "shard1")

    merge_into(first, second)

    merged = first.groups["checkout"].latency(None)
    expected = whole.groups["checkout"].latency(None)
    assert merged.count == expected.count == 4 * 31
    assert merged.digest is not None
    merged_p99 = merged.summarize("nearest-rank").p99
    expected_p99 = expected.summarize("nearest-rank").p99
    assert merged_p99 == pytest.approx(expected_p99, rel=0.01)
    assert [v.status for v in verdicts(first)] == [v.status for v in verdicts(whole)]


def test_lost_workers_of_different_shards_stay_apart_even_with_the_same_id(
    tmp_path: Path,
) -> None:
    first = round_trip(collector_of(RECORDS[:1]), tmp_path / "shard0")
    second = round_trip(collector_of(RECORDS[1:]), tmp_path / "shard1")

    merge_into(first, second)

    assert [w.worker for w in first.workers.lost.values()] == ["gw1", "gw1"]
    assert len(first.workers.problems) == 2


def test_an_artifact_missing_a_part_is_refused_naming_the_file(tmp_path: Path) -> None:
    data = json.loads(dump_collector(collector_of(RECORDS[:1]), "nearest-rank"))
    del data["session"]
    path = tmp_path / ARTIFACT_NAME
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ArtifactError, match="damaged qametrics data artifact: KeyError"):
        load_collector(path, CAP)
    with pytest.raises(ArtifactError, match=str(path)):
        load_collector(path, CAP)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            '{"artifact_version": 2}', "not a qametrics data artifact of version 1", id="v2"
        ),
        pytest.param("[1, 2, 3]", "not a qametrics data artifact", id="a-list"),
        pytest.param("{not json", "cannot be read as a qametrics data artifact", id="not-json"),
    ],
)
def test_a_file_that_is_not_an_artifact_is_refused_naming_it(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "other.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ArtifactError) as caught:
        load_collector(path, CAP)

    assert str(caught.value).startswith(f"{path}: {problem}")
