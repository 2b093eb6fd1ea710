"""pytest-qametrics: record QA metrics in tests, gate the run on SLOs over the whole population."""

from __future__ import annotations

__version__ = "0.1.0"

from pytest_qametrics.latency import LatencyTracker
from pytest_qametrics.latency_stats import LatencyStats
from pytest_qametrics.timing import timed

__all__ = ["LatencyStats", "LatencyTracker", "__version__", "timed"]
