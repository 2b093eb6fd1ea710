"""Build the one report model (plain dicts, JSON-ready) from the verdicts and the pooled samples."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from typing import Any

from pytest_qametrics import __version__
from pytest_qametrics.collector import Collector
from pytest_qametrics.evaluation import Outcome, Verdict
from pytest_qametrics.percentiles import PercentileMethod
from pytest_qametrics.slo import SESSION

__all__ = ["SCHEMA_VERSION", "RunInfo", "build_report"]

SCHEMA_VERSION = 1
_SERIES_STATISTICS = ("count", "error_rate", "mean", "p50", "p90", "p95", "p99", "max")


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


def _series_rows(collector: Collector, method: PercentileMethod) -> list[dict[str, Any]]:
    rows = []
    scopes = {SESSION: collector.session, **dict(sorted(collector.groups.items()))}
    for scope, population in scopes.items():
        for operation in sorted({name for (_, name, _) in population.series}):
            stats = population.latency(operation).summarize(method)
            rows.append(
                {
                    "scope": scope,
                    "tracker": "latency",
                    "name": operation,
                    "relative_error": stats.relative_error,
                    "statistics": {k: stats[k] for k in _SERIES_STATISTICS},
                }
            )
    return rows


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
