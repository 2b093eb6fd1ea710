"""Build the one report model (plain dicts, JSON-ready) from the verdicts and the pooled samples."""

from __future__ import annotations

import dataclasses
import math
import platform
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from pytest_qametrics.judge.evaluation import Outcome, Verdict
from pytest_qametrics.judge.observations import FROM_CALLS, FROM_SAMPLES
from pytest_qametrics.report.advice import run_recommendations
from pytest_qametrics.report.distribution import distribution
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.columns import ColumnPool
from pytest_qametrics.samples.population import LatencySamples, Population
from pytest_qametrics.samples.testlog import OUTCOMES, TestLog, natural_key
from pytest_qametrics.slo.catalogue import statistic_info
from pytest_qametrics.slo.spec import SESSION
from pytest_qametrics.stats.percentiles import PercentileMethod
from pytest_qametrics.trackers.accuracy import summarize_accuracy
from pytest_qametrics.trackers.custom_metrics import summarize_metric
from pytest_qametrics.trackers.escalation import summarize_escalation
from pytest_qametrics.trackers.evals_stats import summarize_evals
from pytest_qametrics.version import __version__

__all__ = ["ALL_OPERATIONS", "CALL_DURATIONS", "SCHEMA_VERSION", "RunInfo", "build_report"]

SCHEMA_VERSION = 1
#: The latency series row of a scope's test call durations (what SLOs without samples judge).
CALL_DURATIONS = "(call durations)"
#: The latency series row of every operation of a scope pooled (for SLOs without operation=).
ALL_OPERATIONS = "(all operations)"
_LATENCY_STATISTICS = ("count", "error_rate", "mean", "p50", "p90", "p95", "p99", "max")
_ACCURACY_STATISTICS = (
    "count",
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "min_class_recall",
    "min_class_precision",
)
_ESCALATION_STATISTICS = (
    "count",
    "escalation_rate",
    "automation_rate",
    "fcr_rate",
    "mean_attempts",
    "resolution_time_mean",
    "resolution_time_p95",
)
_METRIC_STATISTICS = ("count", "sum", "mean", "min", "max", "p50", "p95", "p99")
_EVALS_STATISTICS = ("trials", "passed", "cases", "pass_rate", "flaky_cases", "score_mean")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Facts about the run that the core cannot see for itself."""

    started: str
    duration: float
    exit_status: int
    gate: str
    pytest_version: str
    interrupted: bool = False
    git_commit: str | None = None
    #: Stamps every file of the report set (report.json, the HTML page, the data artifact).
    run_id: str | None = None


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _locations(tests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Node id to ``{"file", "line"}`` of every test whose location is known."""
    return {
        t["nodeid"]: {"file": t["file"], "line": t["line"]}
        for t in reversed(tests)
        if t["file"] is not None and t["line"] is not None
    }


def _verdict_row(
    verdict: Verdict, members: list[str], locations: dict[str, dict[str, Any]], counted_as: str
) -> dict[str, Any]:
    spec = verdict.spec
    budget = verdict.budget
    interval = verdict.interval
    known = [locations[m] for m in members if m in locations]
    return {
        "scope": spec.scope,
        "tracker": spec.tracker,
        "statistic": spec.statistic,
        "operation": spec.operation,
        "metric": spec.metric,
        "target": spec.target,
        "per": spec.per,
        "k": spec.k,
        "part": verdict.part,
        "comparison": spec.comparison,
        "threshold": spec.threshold,
        "observed": verdict.observed,
        "n": verdict.n,
        "source": verdict.source,
        "verdict": verdict.status,
        "counted_as": counted_as,
        "severity": spec.severity,
        "min_samples": spec.min_samples,
        "confidence": spec.confidence,
        "interval": None
        if interval is None
        else {"low": _finite(interval[0]), "high": _finite(interval[1])},
        "budget": None
        if budget is None
        else {"allowed": max(budget.allowed, 0), "used": budget.used, "text": budget.describe()},
        "needed": verdict.needed,
        "relative_error": verdict.relative_error,
        "lost_from": list(verdict.lost_from),
        "reason": verdict.reason,
        "declared_at": spec.declared_at,
        "node_ids": members,
        "location": known[0] if known else None,
    }


def _pick(stats: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: stats[name] for name in names}


def _row(
    scope: str, tracker: str, name: str, statistics: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"scope": scope, "tracker": tracker, "name": name, "statistics": statistics, **extra}


def _latency_row(
    scope: str, name: str, samples: LatencySamples, source: str, method: PercentileMethod
) -> dict[str, Any]:
    stats = samples.summarize(method)
    return _row(
        scope,
        "latency",
        name,
        _pick(stats, _LATENCY_STATISTICS),
        relative_error=stats.relative_error,
        source=source,
        distribution=distribution(samples),
    )


def _is_duration(slo: Verdict) -> bool:
    info = statistic_info(slo.spec.tracker, slo.spec.statistic)
    return info is not None and info.kind == "duration"


def _latency_rows(
    scope: str, population: Population, verdicts: list[Verdict], method: PercentileMethod
) -> list[dict[str, Any]]:
    """One row per operation; pooled and call-duration rows where an SLO judged those."""
    operations = sorted({name for (_, name, _) in population.series})
    rows = [
        _latency_row(scope, op, population.latency(op), FROM_SAMPLES, method) for op in operations
    ]
    latency = [v for v in verdicts if v.spec.tracker == "latency"]
    pooled = any(
        v.spec.operation is None and v.spec.per is None and v.source == FROM_SAMPLES
        for v in latency
        if _is_duration(v)
    )
    if pooled and len(operations) > 1:
        rows.append(
            _latency_row(scope, ALL_OPERATIONS, population.latency(None), FROM_SAMPLES, method)
        )
    if any(v.source == FROM_CALLS for v in latency):
        calls = population.call_duration_samples()
        if calls.count:
            rows.append(_latency_row(scope, CALL_DURATIONS, calls, FROM_CALLS, method))
    return rows


def _evals_row(
    scope: str, name: str, pool: ColumnPool, ks: list[int], method: PercentileMethod
) -> dict[str, Any]:
    """The trials of a scope: counts, pass rate, flaky cases, scores, and pass@k and pass^k
    (as ``pass_at_4`` / ``pass_hat_4``) for each k an SLO of the scope names."""
    columns = pool.arrays()
    stats = summarize_evals(columns, pool.labels, None, method)
    numbers = _pick(stats, _EVALS_STATISTICS)
    for k in ks:
        with_k = summarize_evals(columns, pool.labels, k, method)
        numbers[f"pass_at_{k}"] = with_k["pass_at_k"]
        numbers[f"pass_hat_{k}"] = with_k["pass_hat_k"]
    return _row(scope, "evals", name, numbers, details=stats.details(), examples=pool.examples)


def _column_rows(
    scope: str, population: Population, method: PercentileMethod, ks: list[int]
) -> list[dict[str, Any]]:
    rows = []
    for tracker, name in sorted({(tracker, name) for (tracker, name, _) in population.columns}):
        pool = population.column_pool(tracker, name)
        if tracker == "evals":
            rows.append(_evals_row(scope, name, pool, ks, method))
            continue
        columns = pool.arrays()
        if tracker == "accuracy":
            acc = summarize_accuracy(columns, pool.labels)
            details = {
                "labels": [str(label) for label in acc.labels],
                "confusion_matrix": acc.confusion_matrix,
                "per_class": {k: dataclasses.asdict(v) for k, v in acc.per_class.items()},
                "confidence_correlation": acc.confidence_correlation,
                "calibration_error": acc.calibration_error,
            }
            stats = _pick(acc, _ACCURACY_STATISTICS)
            rows.append(_row(scope, tracker, name, stats, details=details, examples=pool.examples))
        elif tracker == "escalation":
            esc = summarize_escalation(columns)
            details = {"outcomes": esc.outcomes, "reasons": esc.reasons}
            stats = _pick(esc, _ESCALATION_STATISTICS)
            rows.append(_row(scope, tracker, name, stats, details=details, examples=pool.examples))
        else:
            values = columns.get("value", np.empty(0)).astype(np.float64)
            metric = summarize_metric(values, method)
            rows.append(_row(scope, tracker, name, _pick(metric, _METRIC_STATISTICS)))
    return rows


def _series_rows(
    collector: Collector, verdicts: list[Verdict], method: PercentileMethod
) -> list[dict[str, Any]]:
    scopes = {SESSION: collector.session, **dict(sorted(collector.groups.items()))}
    rows = []
    for scope, population in scopes.items():
        judged = [v for v in verdicts if v.spec.scope == scope]
        rows += _latency_rows(scope, population, judged, method)
        ks = sorted({v.spec.k for v in judged if v.spec.k is not None})
        rows += _column_rows(scope, population, method, ks)
    return rows


def _test_rows(log: TestLog) -> list[dict[str, Any]]:
    return [
        {
            "nodeid": nodeid,
            "outcome": outcome,
            "duration": duration,
            "series": list(log.series_of(nodeid, worker)),
            "worker": worker,
            "file": file,
            "line": line,
        }
        for nodeid, outcome, duration, worker, file, line in log.finished()
    ]


def _clean(value: Any) -> Any:
    """The value with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _workers(collector: Collector, tests: list[dict[str, Any]]) -> list[str]:
    seen = {t["worker"] for t in tests if t["worker"] is not None}
    return sorted(seen | set(collector.workers.received) | set(collector.workers.lost))


def summary_verdict(
    outcome: Outcome,
    verdicts: list[Verdict],
    run: RunInfo | None = None,
    collector: Collector | None = None,
) -> str:
    """The run's verdict as the exit code sees it: ``interrupted`` for an interrupted run;
    ``fail`` when an SLO failed or samples were lost (a lost worker, a payload that did not
    arrive); ``not_judged`` when no SLO was judged (no test ran, --co, every SLO skipped),
    which is neither: nothing was checked; else ``pass``."""
    if run is not None and run.interrupted:
        return "interrupted"
    lost = collector is not None and (collector.workers.lost or collector.workers.problems)
    if outcome.breached or lost:
        return "fail"
    return "pass" if any(v.status != "skipped" for v in verdicts) else "not_judged"


def _summary(outcome: Outcome, tests: list[dict[str, Any]], verdict: str) -> dict[str, Any]:
    counts = Counter(t["outcome"] for t in tests)
    return {
        "verdict": verdict,
        "slos": outcome.total,
        "failed": len(outcome.failing),
        "warnings": len(outcome.warning),
        "tests": {name: counts[name] for name in OUTCOMES if counts[name]},
    }


def build_report(
    verdicts: list[Verdict],
    outcome: Outcome,
    collector: Collector,
    method: PercentileMethod,
    run: RunInfo,
) -> dict[str, Any]:
    """Return the report model: deterministic order, only JSON types, no NaN or infinity."""
    tests = _test_rows(collector.tests)
    locations = _locations(tests)
    groups = collector.groups

    def members(scope: str) -> list[str]:
        return sorted(set(groups[scope].nodeids), key=natural_key) if scope in groups else []

    failing, warning = {id(v) for v in outcome.failing}, {id(v) for v in outcome.warning}

    def counted_as(verdict: Verdict) -> str:
        return "fail" if id(verdict) in failing else "warn" if id(verdict) in warning else "pass"

    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "started": run.started,
            "duration": run.duration,
            "exit_status": run.exit_status,
            "interrupted": run.interrupted,
            "gate": run.gate,
            "percentile_method": method,
            "python": platform.python_version(),
            "pytest": run.pytest_version,
            "plugin": __version__,
            "platform": sys.platform,
            "xdist_workers": len(_workers(collector, tests)),
            "git_commit": run.git_commit,
            "id": run.run_id,
        },
        "summary": _summary(outcome, tests, summary_verdict(outcome, verdicts, run, collector)),
        "slos": [
            _verdict_row(v, members(v.spec.scope), locations, counted_as(v)) for v in verdicts
        ],
        "series": _series_rows(collector, verdicts, method),
        "tests": tests,
        "workers": {
            worker: {"tests": items, "samples": samples}
            for worker, (items, samples) in sorted(collector.workers.received.items())
        },
        "lost_workers": [
            {"worker": w.worker, "reason": w.reason, "running": w.running}
            for w in sorted(collector.workers.lost.values(), key=lambda w: w.worker)
        ],
        "problems": list(collector.workers.problems),
        "recommendations": run_recommendations(verdicts, collector.scopes(), method),
    }
    report["slos"] = _clean(report["slos"])  # distributions and tests are never NaN
    for row in report["series"]:
        for key in ("statistics", "details", "examples"):
            if key in row:
                row[key] = _clean(row[key])
    return report
