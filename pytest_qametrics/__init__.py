"""pytest-qametrics: record QA metrics in tests, gate the run on SLOs over the whole population."""

from __future__ import annotations

from pytest_qametrics.stats.latency_stats import LatencyStats
from pytest_qametrics.trackers.accuracy import AccuracyStats, AccuracyTracker, ClassStats
from pytest_qametrics.trackers.custom_metrics import MetricsRecorder, MetricStats, QAMetricsWarning
from pytest_qametrics.trackers.escalation import (
    EscalationReason,
    EscalationStats,
    EscalationTracker,
    ResolutionOutcome,
)
from pytest_qametrics.trackers.latency import LatencyTracker
from pytest_qametrics.trackers.timing import timed
from pytest_qametrics.version import __version__

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
