"""Regression keys judged by evaluate(): fail only on a significant worsening past the tolerance."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pytest_qametrics.history.baseline import baseline_from_report
from pytest_qametrics.judge.baseline import Baseline, SeriesData
from pytest_qametrics.judge.evaluation import Verdict, evaluate, gate_outcome
from pytest_qametrics.judge.observations import observe
from pytest_qametrics.judge.regression import series_of
from pytest_qametrics.judge.series import ALL_OPERATIONS, series_key
from pytest_qametrics.report.terminal import summary_lines
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.wire import decode_item, encode_item
from pytest_qametrics.slo.spec import SloSpec, specs_from_marker

GROUP = "tests/test_api.py::test_checkout"


def slo(**kwargs: object) -> SloSpec:
    (spec,) = specs_from_marker((), {"operation": "checkout", **kwargs}, GROUP, GROUP)
    return spec


def population(values: np.ndarray, operation: str = "checkout", failures: int = 0) -> Population:
    store = ItemStore()
    series = store.latency(operation)
    series.ok.extend(values.tolist())
    for _ in range(failures):
        series.add_failure(0.05, "TimeoutError")
    payload = encode_item(f"{GROUP}[0]", (GROUP,), (), "passed", 0.01, store)
    pooled = Population()
    pooled.add_member(decode_item(payload, "this process"))
    return pooled


def lognormal(seed: int, n: int, factor: float = 1.0, sigma: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(-3.0, sigma, n) * factor


def baseline_of(spec: SloSpec, pooled: Population, label: str = "run 1") -> Baseline:
    """A baseline holding what a history file keeps of ``pooled``: stats and histogram."""
    seen = observe(spec, pooled, "nearest-rank")
    return Baseline(label, {series_key(spec, None, seen.source): series_of(seen)})


def judge(spec: SloSpec, now: Population, baseline: Baseline | None) -> Verdict:
    (verdict,) = evaluate([spec], {GROUP: now}, "nearest-rank", baseline)
    return verdict


def test_without_a_baseline_a_regression_key_has_no_data_and_says_how_to_get_one() -> None:
    verdict = judge(slo(p95_regression="10%"), population(lognormal(1, 100)), None)
    assert verdict.status == "no_data"
    assert "run once with --qametrics-history=PATH" in verdict.reason
    assert "--qametrics-baseline=path/to/report.json" in verdict.reason


def test_an_absent_baseline_gives_its_own_reason() -> None:
    absent = Baseline.absent("no baseline yet: h.db holds no earlier finished run")
    verdict = judge(slo(p95_regression="10%"), population(lognormal(1, 100)), absent)
    assert (verdict.status, verdict.reason) == ("no_data", absent.missing)


def test_a_significant_slowdown_beyond_the_tolerance_fails_with_its_size_and_p_value() -> None:
    spec = slo(p95_regression="10%")
    before, after = population(lognormal(1, 400)), population(lognormal(2, 400, factor=1.3))
    verdict = judge(spec, after, baseline_of(spec, before, "run 17"))
    regression = verdict.regression
    assert verdict.status == "fail"
    assert regression is not None
    assert regression.p_value is not None
    assert regression.p_value < 0.001
    assert verdict.observed == pytest.approx(regression.change)
    assert regression.change == pytest.approx(regression.current / regression.previous - 1)
    assert regression.change > 0.1
    assert verdict.reason.startswith(f"p95 +{regression.change:.1%} vs baseline run 17 (")
    assert verdict.reason.endswith("; p<0.001, bootstrap of histograms)")
    assert verdict.n == 400


def test_the_summary_shows_the_worsening_against_the_tolerance_and_the_baseline() -> None:
    spec = slo(p95_regression="10%")
    verdict = judge(
        spec, population(lognormal(2, 400, 1.3)), baseline_of(spec, population(lognormal(1, 400)))
    )
    lines = summary_lines([verdict], gate_outcome([verdict], "fail"), "enforce")
    worse = f"{verdict.observed * 100:.4g}% worse"  # type: ignore[operator]
    assert lines[:2] == [
        f"FAIL     {GROUP}",
        f"         latency[operation=checkout] p95_regression = {worse}, needs <= 10% "
        f"(n=400, latency samples)",
    ]
    assert lines[2] == f"         {verdict.reason}"


def test_the_same_slowdown_over_few_noisy_samples_passes_as_not_significant() -> None:
    spec = slo(p95_regression="10%")
    before = population(lognormal(1, 25, sigma=0.8))
    after = population(lognormal(2, 25, factor=1.3, sigma=0.8))
    verdict = judge(spec, after, baseline_of(spec, before))
    assert verdict.status == "pass"
    assert verdict.observed is not None
    assert verdict.observed > 0.1
    assert verdict.reason.endswith(": not significant at 95%")


def test_a_significant_slowdown_within_the_tolerance_passes() -> None:
    spec = slo(p95_regression="40%")
    verdict = judge(
        spec, population(lognormal(2, 2000, 1.2)), baseline_of(spec, population(lognormal(1, 2000)))
    )
    assert verdict.status == "pass"
    assert verdict.regression is not None
    assert verdict.regression.significant
    assert verdict.reason.endswith(": within the tolerance")


def test_an_absolute_tolerance_compares_seconds() -> None:
    spec = slo(mean_regression="5ms")
    verdict = judge(
        spec, population(lognormal(2, 500, 1.3)), baseline_of(spec, population(lognormal(1, 500)))
    )
    assert verdict.status == "fail"
    assert verdict.observed == pytest.approx(verdict.regression.change)  # type: ignore[union-attr]
    assert "Welch z-test of the means" in verdict.reason
    assert "mean +" in verdict.reason
    assert " ms vs baseline run 1" in verdict.reason


def test_a_faster_run_passes_and_says_better() -> None:
    spec = slo(p95_regression="10%")
    verdict = judge(
        spec, population(lognormal(2, 400, 0.7)), baseline_of(spec, population(lognormal(1, 400)))
    )
    lines = summary_lines([verdict], gate_outcome([verdict], "fail"), "enforce")
    assert verdict.status == "pass"
    assert "% better, needs <= 10%" in lines[1]


def test_severity_warn_reports_a_regression_without_failing() -> None:
    spec = slo(p95_regression="10%", severity="warn")
    verdict = judge(
        spec, population(lognormal(2, 400, 1.3)), baseline_of(spec, population(lognormal(1, 400)))
    )
    assert verdict.status == "warn"
    assert not gate_outcome([verdict], "fail").breached


def test_an_error_rate_rise_is_a_two_proportion_test_in_points() -> None:
    spec = slo(error_rate_regression=0.02)
    before = population(lognormal(1, 950), failures=50)  # 5%
    after = population(lognormal(2, 900), failures=100)  # 10%
    verdict = judge(spec, after, baseline_of(spec, before))
    assert verdict.status == "fail"
    assert verdict.observed == pytest.approx(0.05)
    assert "error_rate +5 pp vs baseline run 1 (5% -> 10%; p<0.001, two-proportion z-test)" in (
        verdict.reason
    )


def test_a_p99_of_too_few_samples_cannot_be_tested_and_says_how_many_are_needed() -> None:
    spec = slo(p99_regression="10%")
    verdict = judge(
        spec, population(lognormal(2, 60, 2.0)), baseline_of(spec, population(lognormal(1, 600)))
    )
    assert verdict.status == "no_data"
    assert "record at least 100 samples in both runs" in verdict.reason


def test_min_samples_applies_to_the_current_run() -> None:
    spec = slo(p95_regression="10%", min_samples=50)
    verdict = judge(
        spec, population(lognormal(2, 30)), baseline_of(spec, population(lognormal(1, 400)))
    )
    assert (verdict.status, verdict.reason) == ("no_data", "30 samples, needs at least 50")


def test_a_series_the_baseline_never_recorded_is_no_data_naming_it() -> None:
    spec = slo(p95_regression="10%")
    other = baseline_of(replace(spec, operation="search"), population(lognormal(1, 400), "search"))
    verdict = judge(spec, population(lognormal(2, 400)), other)
    assert verdict.status == "no_data"
    assert verdict.reason == (
        f"baseline run 1 has no p95 of the latency series 'checkout' of {GROUP}"
    )


def test_a_baseline_without_histograms_compares_values_as_they_are() -> None:
    spec = slo(p95_regression="10%")
    full = baseline_of(spec, population(lognormal(1, 25, sigma=0.8)))
    key = next(iter(full.series))
    stats_only = Baseline("report.json at r.json", {key: SeriesData(full.series[key].stats)})
    verdict = judge(spec, population(lognormal(2, 25, 1.3, sigma=0.8)), stats_only)
    assert verdict.status == "fail"  # noise, but without histograms nothing can tell
    assert verdict.regression is not None
    assert verdict.regression.p_value is None
    assert "no significance test: the baseline has no histogram of this series" in verdict.reason


def test_per_operation_slices_each_find_their_own_baseline_series() -> None:
    (spec,) = specs_from_marker((), {"p95_regression": "10%", "per": "operation"}, GROUP, GROUP)
    before, after = Population(), Population()
    for pooled, factor, seed in ((before, 1.0, 1), (after, 1.3, 2)):
        for operation in ("pay", "search"):
            store = ItemStore()
            slow = factor if operation == "pay" else 1.0
            store.latency(operation).ok.extend(lognormal(seed, 400, slow).tolist())
            record = encode_item(f"{GROUP}[{operation}]", (GROUP,), (), "passed", 0.01, store)
            pooled.add_member(decode_item(record, "here"))
    stored = {}
    for part in ("pay", "search"):
        seen = observe(spec, before, "nearest-rank", part)
        stored[series_key(spec, part, seen.source)] = series_of(seen)
    verdicts = evaluate([spec], {GROUP: after}, "nearest-rank", Baseline("run 1", stored))
    assert [(v.part, v.status) for v in verdicts] == [("pay", "fail"), ("search", "pass")]


def report_json(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"series": rows, "slos": []}), encoding="utf-8")
    return path


def test_a_report_json_baseline_lets_the_only_operation_stand_for_all_operations(
    tmp_path: Path,
) -> None:
    row: dict[str, object] = {
        "scope": GROUP,
        "tracker": "latency",
        "name": "checkout",
        "statistics": {"count": 400, "p95": 0.08, "error_rate": 0.0},
    }
    baseline = baseline_from_report(report_json(tmp_path, [row]))
    pooled = baseline.lookup((GROUP, "latency", ALL_OPERATIONS))
    assert baseline.label == f"report.json at {tmp_path / 'report.json'}"
    assert pooled is not None
    assert pooled.stats["p95"] == 0.08
    assert pooled.histogram is None


def test_an_unreadable_report_json_baseline_is_absent_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{not json", encoding="utf-8")
    baseline = baseline_from_report(path)
    assert baseline.missing.startswith(f"the baseline {path} is not a readable report.json")


def test_a_regression_reads_as_json_ready_values_for_the_report() -> None:
    spec = slo(p95_regression="10%")
    verdict = judge(
        spec, population(lognormal(2, 400, 1.3)), baseline_of(spec, population(lognormal(1, 400)))
    )
    assert verdict.regression is not None
    row = verdict.regression.to_report()
    assert json.loads(json.dumps(row)) == row
    assert row["baseline"] == "run 1"
    assert row["relative"] is True
    assert row["significant"] is True
    assert row["baseline_n"] == 400
    assert row["method"] == "bootstrap of histograms"
