"""Build the one report model (plain dicts, JSON-ready) from the verdicts and the pooled samples."""

from __future__ import annotations

import dataclasses
import platform
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from pytest_qametrics import __version__
from pytest_qametrics.accuracy import summarize_accuracy
from pytest_qametrics.collector import Collector
from pytest_qametrics.custom_metrics import summarize_metric
from pytest_qametrics.escalation import summarize_escalation
from pytest_qametrics.evaluation import Outcome, Verdict
from pytest_qametrics.percentiles import PercentileMethod
from pytest_qametrics.population import Population
from pytest_qametrics.slo import SESSION

__all__ = ["SCHEMA_VERSION", "RunInfo", "build_report"]

SCHEMA_VERSION = 1
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


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Facts about the run that the core cannot see for itself."""

    started: str
    duration: float
    exit_status: int
    gate: str
    pytest_version: str
    interrupted: bool = False


def _verdict_row(verdict: Verdict) -> dict[str, Any]:
    spec = verdict.spec
    return {
        "scope": spec.scope,
        "tracker": spec.tracker,
        "statistic": spec.statistic,
        "operation": spec.operation,
        "comparison": spec.comparison,
        "threshold": spec.threshold,
        "observed": verdict.observed,
        "n": verdict.n,
        "source": verdict.source,
        "verdict": verdict.status,
        "severity": spec.severity,
        "min_samples": spec.min_samples,
        "relative_error": verdict.relative_error,
        "lost_from": list(verdict.lost_from),
        "reason": verdict.reason,
        "declared_at": spec.declared_at,
    }


def _pick(stats: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: stats[name] for name in names}


def _row(
    scope: str, tracker: str, name: str, statistics: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"scope": scope, "tracker": tracker, "name": name, "statistics": statistics, **extra}


def _scope_rows(
    scope: str, population: Population, method: PercentileMethod
) -> list[dict[str, Any]]:
    rows = []
    for operation in sorted({name for (_, name, _) in population.series}):
        stats = population.latency(operation).summarize(method)
        rows.append(
            _row(
                scope,
                "latency",
                operation,
                _pick(stats, _LATENCY_STATISTICS),
                relative_error=stats.relative_error,
            )
        )
    kinds = sorted({(tracker, name) for (tracker, name, _) in population.columns})
    for tracker, name in kinds:
        pool = population.column_pool(tracker, name)
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
            rows.append(
                _row(
                    scope,
                    tracker,
                    name,
                    _pick(acc, _ACCURACY_STATISTICS),
                    details=details,
                    examples=pool.examples,
                )
            )
        elif tracker == "escalation":
            esc = summarize_escalation(columns)
            details = {"outcomes": esc.outcomes, "reasons": esc.reasons}
            rows.append(
                _row(
                    scope,
                    tracker,
                    name,
                    _pick(esc, _ESCALATION_STATISTICS),
                    details=details,
                    examples=pool.examples,
                )
            )
        else:
            values = columns.get("value", np.empty(0)).astype(np.float64)
            metric = summarize_metric(values, method)
            rows.append(_row(scope, tracker, name, _pick(metric, _METRIC_STATISTICS)))
    return rows


def _series_rows(collector: Collector, method: PercentileMethod) -> list[dict[str, Any]]:
    scopes = {SESSION: collector.session, **dict(sorted(collector.groups.items()))}
    return [row for scope, p in scopes.items() for row in _scope_rows(scope, p, method)]


def build_report(
    verdicts: list[Verdict],
    outcome: Outcome,
    collector: Collector,
    method: PercentileMethod,
    run: RunInfo,
) -> dict[str, Any]:
    """Return the report model: deterministic order, only JSON types."""
    return {
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
        },
        "summary": {
            "verdict": "fail" if outcome.breached else "pass",
            "slos": outcome.total,
            "failed": len(outcome.failing),
            "warnings": len(outcome.warning),
        },
        "slos": [_verdict_row(v) for v in verdicts],
        "series": _series_rows(collector, method),
        "workers": {
            worker: {"tests": items, "samples": samples}
            for worker, (items, samples) in sorted(collector.workers.received.items())
        },
        "lost_workers": [
            {"worker": w.worker, "reason": w.reason, "running": w.running}
            for w in collector.workers.lost.values()
        ],
        "problems": list(collector.workers.problems),
    }
