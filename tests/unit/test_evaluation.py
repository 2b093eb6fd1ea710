"""Populations, the collector and SLO evaluation: pooling, verdicts, fallbacks and the gate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from pytest_qametrics.judge.evaluation import Policy, Verdict, evaluate, gate_outcome
from pytest_qametrics.judge.observations import FROM_CALLS, FROM_SAMPLES
from pytest_qametrics.judge.uncertainty import Budget
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.wire import ItemRecord, Outcome, decode_item, encode_item
from pytest_qametrics.slo.spec import SESSION, SloSpec
from pytest_qametrics.stats.percentiles import percentiles

GROUP = "tests/test_api.py::test_checkout"


def slo(
    statistic: str = "p95",
    threshold: float = 1.0,
    *,
    comparison: str = "<=",
    scope: str = GROUP,
    operation: str | None = None,
    min_samples: int = 1,
    severity: str = "fail",
) -> SloSpec:
    return SloSpec(
        scope,
        "latency",
        statistic,
        comparison,  # type: ignore[arg-type]
        threshold,
        operation=operation,
        min_samples=min_samples,
        severity=severity,  # type: ignore[arg-type]
    )


def finished_test(
    nodeid: str,
    *,
    ok: Sequence[float] = (),
    fail: Sequence[float] = (),
    operation: str = "checkout",
    specs: Sequence[SloSpec] = (),
    outcome: Outcome = "passed",
    call_duration: float | None = 0.01,
) -> ItemRecord:
    """A test's record as the collector receives it: encoded and decoded like an xdist payload."""
    store = ItemStore()
    if ok or fail:
        series = store.latency(operation)
        series.ok.extend(ok)
        for seconds in fail:
            series.add_failure(seconds, "TimeoutError")
    groups = tuple(dict.fromkeys(spec.scope for spec in specs))
    payload = encode_item(nodeid, groups, tuple(specs), outcome, call_duration, store)
    return decode_item(payload, "this process")


def judge(collector: Collector, method: str = "nearest-rank") -> list[Verdict]:
    populations = {SESSION: collector.session, **collector.groups}
    return evaluate(collector.specs, populations, method)  # type: ignore[arg-type]


def collect(*records: ItemRecord, session_specs: Sequence[SloSpec] = ()) -> Collector:
    collector = Collector(list(session_specs))
    for record in records:
        collector.add_record(record)
    return collector


def test_a_group_population_pools_the_samples_of_every_member() -> None:
    spec = slo()
    collector = collect(
        finished_test(f"{GROUP}[0]", ok=[0.1, 0.2], specs=[spec]),
        finished_test(f"{GROUP}[1]", ok=[0.3], fail=[0.4], specs=[spec]),
        finished_test(f"{GROUP}[2]", ok=[0.5], specs=[spec]),
    )
    population = collector.groups[GROUP]
    samples = population.latency(None)
    assert sorted([*samples.ok.tolist(), *samples.fail.tolist()]) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert samples.errors == {"TimeoutError": 1}
    assert population.items == 3
    assert population.nodeids == [f"{GROUP}[0]", f"{GROUP}[1]", f"{GROUP}[2]"]


def test_the_group_verdict_is_judged_on_the_pooled_samples_of_all_members() -> None:
    spec = slo("p95", 1.0)
    rng = np.random.default_rng(7)
    chunks = [rng.uniform(0.0, 2.0, size=size).tolist() for size in (13, 40, 7, 25)]
    collector = collect(
        *(finished_test(f"{GROUP}[{i}]", ok=c, specs=[spec]) for i, c in enumerate(chunks))
    )
    (verdict,) = judge(collector)
    pooled = np.array([x for chunk in chunks for x in chunk])
    assert verdict.n == pooled.size
    assert verdict.observed == percentiles(pooled, [0.95], "nearest-rank")[0]
    assert verdict.source == FROM_SAMPLES


def test_the_session_population_gets_samples_of_every_test_marked_or_not() -> None:
    collector = collect(
        finished_test("t.py::test_marked", ok=[0.1], specs=[slo()]),
        finished_test("t.py::test_plain", ok=[0.2, 0.3]),
    )
    assert collector.session.latency(None).count == 3
    assert collector.groups[GROUP].latency(None).count == 1


def test_samples_below_the_threshold_pass() -> None:
    collector = collect(
        finished_test(f"{GROUP}[0]", ok=[0.1] * 19 + [5.0], specs=[slo("p95", 1.0)])
    )
    (verdict,) = judge(collector)
    assert verdict.status == "pass"
    assert verdict.observed == 0.1
    assert verdict.n == 20


def test_a_breach_fails() -> None:
    collector = collect(
        finished_test(f"{GROUP}[0]", ok=[0.1] * 18 + [5.0] * 2, specs=[slo("p95", 1.0)])
    )
    (verdict,) = judge(collector)
    assert verdict.status == "fail"
    assert verdict.observed == 5.0


def test_the_threshold_itself_meets_an_inclusive_comparison_only() -> None:
    inclusive = slo("max", 1.0)
    exclusive = slo("max", 1.0, comparison="<")
    collector = collect(finished_test(f"{GROUP}[0]", ok=[0.5, 1.0], specs=[inclusive, exclusive]))
    assert [v.status for v in judge(collector)] == ["pass", "fail"]


def test_a_breach_of_a_warn_severity_slo_is_a_warning() -> None:
    spec = slo("p95", 1.0, severity="warn")
    (verdict,) = judge(collect(finished_test(f"{GROUP}[0]", ok=[5.0], specs=[spec])))
    assert verdict.status == "warn"


def test_a_met_warn_severity_slo_passes() -> None:
    spec = slo("p95", 1.0, severity="warn")
    (verdict,) = judge(collect(finished_test(f"{GROUP}[0]", ok=[0.5], specs=[spec])))
    assert verdict.status == "pass"


def test_rate_slos_judge_failures_against_all_samples() -> None:
    specs = [slo("error_rate", 0.2), slo("success_rate", 0.9, comparison=">=")]
    record = finished_test(f"{GROUP}[0]", ok=[0.1] * 8, fail=[0.1] * 2, specs=specs)
    error_rate, success_rate = judge(collect(record))
    assert (error_rate.status, error_rate.observed) == ("pass", 0.2)
    assert (success_rate.status, success_rate.observed) == ("fail", 0.8)


def test_fewer_samples_than_min_samples_is_no_data_even_when_the_value_would_pass() -> None:
    spec = slo("p95", 1.0, min_samples=20)
    (verdict,) = judge(collect(finished_test(f"{GROUP}[0]", ok=[0.1] * 19, specs=[spec])))
    assert verdict.status == "no_data"
    assert verdict.observed is None
    assert verdict.n == 19
    assert "at least 20" in verdict.reason


def test_exactly_min_samples_is_judged() -> None:
    spec = slo("p95", 1.0, min_samples=20)
    (verdict,) = judge(collect(finished_test(f"{GROUP}[0]", ok=[0.1] * 20, specs=[spec])))
    assert verdict.status == "pass"


def test_a_group_with_neither_samples_nor_call_durations_is_no_data() -> None:
    record = finished_test(f"{GROUP}[0]", specs=[slo()], call_duration=None)
    (verdict,) = judge(collect(record))
    assert verdict.status == "no_data"
    assert verdict.n == 0


def test_an_slo_whose_scope_never_arrived_is_no_data() -> None:
    (verdict,) = evaluate([slo(scope="nobody")], {}, "nearest-rank")
    assert verdict.status == "no_data"


def test_a_latency_slo_without_latency_samples_judges_the_call_durations() -> None:
    spec = slo("max", 1.0)
    collector = collect(
        finished_test(f"{GROUP}[0]", specs=[spec], call_duration=0.25),
        finished_test(f"{GROUP}[1]", specs=[spec], call_duration=0.5),
        # A test that skips itself has a call duration, but it is not a sample.
        finished_test(f"{GROUP}[2]", specs=[spec], call_duration=9.0, outcome="skipped"),
    )
    (verdict,) = judge(collector)
    assert verdict.source == FROM_CALLS == "call durations"
    assert verdict.n == 2
    assert verdict.observed == 0.5
    assert verdict.status == "pass"


def test_latency_samples_take_precedence_over_call_durations() -> None:
    spec = slo("max", 1.0)
    record = finished_test(f"{GROUP}[0]", ok=[0.1], specs=[spec], call_duration=9.0)
    (verdict,) = judge(collect(record))
    assert verdict.source == FROM_SAMPLES
    assert verdict.observed == 0.1


def test_an_operation_filtered_slo_never_falls_back_to_call_durations() -> None:
    spec = slo("max", 1.0, operation="checkout")
    record = finished_test(f"{GROUP}[0]", ok=[0.1], operation="search", specs=[spec])
    (verdict,) = judge(collect(record))
    assert verdict.status == "no_data"
    assert verdict.source == FROM_SAMPLES


def test_an_operation_filtered_slo_judges_only_that_operation() -> None:
    specs = [slo("max", 1.0, operation="checkout"), slo("max", 1.0)]
    collector = collect(
        finished_test(f"{GROUP}[0]", ok=[0.5], operation="checkout", specs=specs),
        finished_test(f"{GROUP}[1]", ok=[3.0], operation="search", specs=specs),
    )
    only_checkout, everything = judge(collector)
    assert (only_checkout.status, only_checkout.observed, only_checkout.n) == ("pass", 0.5, 1)
    assert (everything.status, everything.observed, everything.n) == ("fail", 3.0, 2)


def test_a_group_whose_every_test_was_skipped_is_skipped_not_judged() -> None:
    spec = slo()
    collector = collect(
        finished_test(f"{GROUP}[0]", specs=[spec], outcome="skipped", call_duration=None),
        finished_test(f"{GROUP}[1]", specs=[spec], outcome="skipped", call_duration=None),
    )
    (verdict,) = judge(collector)
    assert verdict.status == "skipped"
    assert verdict.observed is None


def test_a_group_with_one_test_run_and_one_skipped_is_judged() -> None:
    spec = slo("max", 1.0)
    collector = collect(
        finished_test(f"{GROUP}[0]", ok=[0.5], specs=[spec]),
        finished_test(f"{GROUP}[1]", specs=[spec], outcome="skipped", call_duration=None),
    )
    (verdict,) = judge(collector)
    assert verdict.status == "pass"


def test_the_linear_method_is_used_when_chosen() -> None:
    spec = slo("p50", 10.0)
    record = finished_test(f"{GROUP}[0]", ok=[1.0, 2.0, 3.0, 10.0], specs=[spec])
    (nearest,) = judge(collect(record))
    (linear,) = judge(collect(record), "linear")
    assert (nearest.observed, linear.observed) == (2.0, 2.5)


def test_a_percentile_budget_is_given_for_nearest_rank_only() -> None:
    """A linear p95 can breach while no more samples than allowed exceed the threshold."""
    p95, errors = slo("p95", 0.9), slo("error_rate", 0.05)
    record = finished_test(f"{GROUP}[0]", ok=[0.1] * 18 + [0.9], fail=[1.0], specs=[p95, errors])
    nearest = judge(collect(record))
    linear = judge(collect(record), "linear")
    assert [(v.status, v.budget) for v in nearest] == [
        ("pass", Budget(1, 1, "slow call|slow calls")),
        ("pass", Budget(1, 1, "failed call|failed calls")),
    ]
    assert [(v.status, v.budget) for v in linear] == [
        ("fail", None),
        ("pass", Budget(1, 1, "failed call|failed calls")),
    ]


def test_a_session_slo_judges_every_sample_of_the_run() -> None:
    session_slo = slo("max", 1.0, scope=SESSION)
    collector = collect(
        finished_test("t.py::test_a", ok=[0.5]),
        finished_test("t.py::test_b", ok=[2.0], operation="search"),
        session_specs=[session_slo],
    )
    (verdict,) = judge(collector)
    assert (verdict.status, verdict.observed, verdict.n) == ("fail", 2.0, 2)


def report_phases(collector: Collector, setup: str, call: tuple[str, float] | None) -> None:
    """Feed the phase reports of one test as pytest sends them: setup, call if run, teardown."""
    collector.add_test_phase("setup", setup, 0.001)
    if call is not None:
        collector.add_test_phase("call", *call)
    collector.add_test_phase("teardown", "passed", 0.001)


def test_a_session_latency_slo_falls_back_to_the_call_durations_of_every_test() -> None:
    collector = Collector([slo("max", 1.0, scope=SESSION)])
    report_phases(collector, "passed", ("passed", 0.25))
    report_phases(collector, "passed", ("failed", 0.75))
    report_phases(collector, "passed", ("skipped", 9.0))
    report_phases(collector, "skipped", None)
    (verdict,) = judge(collector)
    assert (verdict.source, verdict.n, verdict.observed) == (FROM_CALLS, 2, 0.75)
    assert (collector.session.items, collector.session.skipped) == (4, 2)


def test_a_session_where_every_test_was_skipped_is_skipped() -> None:
    collector = Collector([slo(scope=SESSION)])
    report_phases(collector, "skipped", None)
    report_phases(collector, "passed", ("skipped", 0.0))
    assert collector.session.all_skipped
    (verdict,) = judge(collector)
    assert verdict.status == "skipped"


def test_a_session_with_one_test_run_is_not_all_skipped() -> None:
    collector = Collector([slo("max", 1.0, scope=SESSION)])
    report_phases(collector, "skipped", None)
    report_phases(collector, "passed", ("passed", 0.5))
    (verdict,) = judge(collector)
    assert (verdict.status, verdict.n) == ("pass", 1)


def test_the_same_slo_arriving_from_many_parametrized_tests_is_judged_once() -> None:
    records = [
        finished_test(
            f"{GROUP}[{i}]",
            ok=[0.1],
            specs=[SloSpec(GROUP, "latency", "p95", "<=", 1.0, declared_at=f"{GROUP}[{i}]")],
        )
        for i in range(50)
    ]
    (verdict,) = judge(collect(*records))
    assert verdict.n == 50


def test_session_slos_come_first_in_ini_order_then_groups_by_name() -> None:
    first_ini, second_ini = slo("p99", scope=SESSION), slo("p50", scope=SESSION)
    in_b, in_a = slo(scope="b-group"), slo(scope="a-group")
    collector = collect(
        finished_test("t.py::test_b", specs=[in_b]),
        finished_test("t.py::test_a", specs=[in_a]),
        session_specs=[first_ini, second_ini],
    )
    assert collector.specs == [first_ini, second_ini, in_a, in_b]


def test_an_empty_population_of_an_unknown_scope_is_returned_not_created() -> None:
    collector = Collector([])
    assert collector.population("nobody").items == 0
    assert "nobody" not in collector.groups
    assert collector.population(SESSION) is collector.session


def test_a_population_with_no_tests_is_not_all_skipped() -> None:
    assert not Population().all_skipped


def verdicts_of_each_status() -> list[Verdict]:
    spec = slo()
    return [
        Verdict(spec, "pass", 0.1, 1, FROM_SAMPLES),
        Verdict(spec, "fail", 2.0, 1, FROM_SAMPLES),
        Verdict(spec, "warn", 2.0, 1, FROM_SAMPLES),
        Verdict(spec, "no_data", None, 0, FROM_SAMPLES),
        Verdict(spec, "skipped", None, 0, "-"),
    ]


@pytest.mark.parametrize(
    ("policy", "failing", "warning"),
    [
        ("fail", ["fail", "no_data"], ["warn"]),
        ("warn", ["fail"], ["warn", "no_data"]),
        ("pass", ["fail"], ["warn"]),
    ],
)
def test_gate_outcome_counts_no_data_by_the_policy(
    policy: Policy, failing: list[str], warning: list[str]
) -> None:
    outcome = gate_outcome(verdicts_of_each_status(), policy)
    assert [v.status for v in outcome.failing] == failing
    assert [v.status for v in outcome.warning] == warning
    assert outcome.total == 5
    assert outcome.breached


def test_only_passes_warnings_and_skips_do_not_breach() -> None:
    kept = [v for v in verdicts_of_each_status() if v.status in ("pass", "warn", "skipped")]
    outcome = gate_outcome(kept, "fail")
    assert not outcome.breached
    assert len(outcome.warning) == 1


def test_no_data_alone_breaches_by_default_policy_fail_only() -> None:
    no_data = [v for v in verdicts_of_each_status() if v.status == "no_data"]
    assert gate_outcome(no_data, "fail").breached
    assert not gate_outcome(no_data, "warn").breached
    assert not gate_outcome(no_data, "pass").breached
