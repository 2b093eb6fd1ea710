"""pytest-qametrics: record QA metrics in tests, gate the run on SLOs over the whole population.

The public names are imported on first use (PEP 562): pytest imports this package in every
run of every project that has the plugin installed, and most of those runs record nothing,
so importing it must not load numpy or the trackers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pytest_qametrics.version import __version__

if TYPE_CHECKING:
    from pytest_qametrics.stats.latency_stats import LatencyStats
    from pytest_qametrics.trackers.accuracy import AccuracyStats, AccuracyTracker, ClassStats
    from pytest_qametrics.trackers.custom_metrics import (
        MetricsRecorder,
        MetricStats,
        QAMetricsWarning,
    )
    from pytest_qametrics.trackers.escalation import (
        EscalationReason,
        EscalationStats,
        EscalationTracker,
        ResolutionOutcome,
    )
    from pytest_qametrics.trackers.evals import EvalsRecorder
    from pytest_qametrics.trackers.latency import LatencyTracker
    from pytest_qametrics.trackers.timing import timed

__all__ = [
    "AccuracyStats",
    "AccuracyTracker",
    "ClassStats",
    "EscalationReason",
    "EscalationStats",
    "EscalationTracker",
    "EvalsRecorder",
    "LatencyStats",
    "LatencyTracker",
    "MetricStats",
    "MetricsRecorder",
    "QAMetricsWarning",
    "ResolutionOutcome",
    "__version__",
    "timed",
]

#: Where each public name lives.
_HOMES = {
    "AccuracyStats": "pytest_qametrics.trackers.accuracy",
    "AccuracyTracker": "pytest_qametrics.trackers.accuracy",
    "ClassStats": "pytest_qametrics.trackers.accuracy",
    "EscalationReason": "pytest_qametrics.trackers.escalation",
    "EscalationStats": "pytest_qametrics.trackers.escalation",
    "EscalationTracker": "pytest_qametrics.trackers.escalation",
    "EvalsRecorder": "pytest_qametrics.trackers.evals",
    "LatencyStats": "pytest_qametrics.stats.latency_stats",
    "LatencyTracker": "pytest_qametrics.trackers.latency",
    "MetricStats": "pytest_qametrics.trackers.custom_metrics",
    "MetricsRecorder": "pytest_qametrics.trackers.custom_metrics",
    "QAMetricsWarning": "pytest_qametrics.trackers.custom_metrics",
    "ResolutionOutcome": "pytest_qametrics.trackers.escalation",
    "timed": "pytest_qametrics.trackers.timing",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use, then keep it in the module like a plain import."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pytest_qametrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
