"""The report formats a user may ask for."""

from __future__ import annotations

__all__ = ["DEFAULT_FORMATS", "FORMATS"]

#: Every format: ``prom`` adds ``metrics.prom`` (Prometheus text format) to the report dir.
FORMATS = ("html", "json", "csv", "prom")
#: What ``--qametrics-report`` writes when no formats are given.
DEFAULT_FORMATS = ("html", "json", "csv")
