"""pytest-qametrics: record QA metrics in tests, gate the run on SLOs over the whole population."""

from __future__ import annotations

__version__ = "0.1.0"

from pytest_qametrics.accuracy import AccuracyStats, AccuracyTracker, ClassStats
from pytest_qametrics.custom_metrics import MetricsRecorder, MetricStats, QAMetricsWarning
from pytest_qametrics.escalation import (
    EscalationReason,
    EscalationStats,
    EscalationTracker,
    ResolutionOutcome,
)
from pytest_qametrics.latency import LatencyTracker
from pytest_qametrics.latency_stats import LatencyStats
from pytest_qametrics.timing import timed

__all__ = [
    "AccuracyStats",
    "AccuracyTracker",
    "ClassStats",
    "EscalationReason",
    "EscalationStats",
    "EscalationTracker",
    "LatencyStats",
    "LatencyTracker",
    "MetricStats",
    "MetricsRecorder",
    "QAMetricsWarning",
    "ResolutionOutcome",
    "__version__",
    "timed",
]
