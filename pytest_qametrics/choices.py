"""The values options and ini keys accept, and their defaults, importable without numpy.

Layer 0, like ``version``: the settings of every run read these names, including runs that
record nothing, so they live apart from the numeric modules that use them (which re-export
them under their old names).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "DEFAULT_EXACT_CAP",
    "DEFAULT_FORMATS",
    "FILES",
    "FORMATS",
    "GATES",
    "METHODS",
    "POLICIES",
    "Gate",
    "PercentileMethod",
    "Policy",
    "files_of",
]

#: Every report format: ``prom`` adds ``metrics.prom`` (Prometheus text format) to the report dir.
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

PercentileMethod = Literal["nearest-rank", "linear"]
#: Percentile definitions (``qametrics_percentile``); the first is the default.
METHODS: tuple[PercentileMethod, ...] = ("nearest-rank", "linear")

Gate = Literal["enforce", "warn", "off"]
Policy = Literal["fail", "warn", "pass"]
#: ``--qametrics-gate`` values; ``qametrics_no_data`` / ``qametrics_inconclusive`` policies.
GATES: tuple[Gate, ...] = ("enforce", "warn", "off")
POLICIES: tuple[Policy, ...] = ("fail", "warn", "pass")

#: Exact samples kept per series per process before they fold into a histogram digest.
DEFAULT_EXACT_CAP = 1_000_000


def files_of(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The file names the chosen formats write."""
    return tuple(name for fmt in formats for name in FILES.get(fmt, ()))
