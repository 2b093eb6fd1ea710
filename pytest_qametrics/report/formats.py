"""The report formats a user may ask for."""

from __future__ import annotations

__all__ = ["DEFAULT_FORMATS", "FILES", "FORMATS", "files_of"]

#: Every format: ``prom`` adds ``metrics.prom`` (Prometheus text format) to the report dir.
FORMATS = ("html", "json", "csv", "prom")
#: What ``--qametrics-report`` writes when no formats are given.
DEFAULT_FORMATS = ("html", "json", "csv")
#: The files each format writes into the report directory.
FILES = {
    "html": ("report.html",),
    "json": ("report.json",),
    "csv": ("slos.csv", "series.csv"),
    "prom": ("metrics.prom",),
}


def files_of(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The file names the chosen formats write."""
    return tuple(name for fmt in formats for name in FILES.get(fmt, ()))
