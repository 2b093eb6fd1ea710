"""What an export did, and whether a run wants one: light names every session-end reads.

The exporter itself (requests, prometheus_client, numpy) is imported only when a run exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pytest_qametrics.export.config import ExportConfig

__all__ = ["PROM_FORMAT", "PROM_NAME", "ExportResult", "wants"]

#: The report format that adds ``metrics.prom`` to the report directory.
PROM_FORMAT = "prom"
PROM_NAME = "metrics.prom"


@dataclass(slots=True)
class ExportResult:
    """What the exports did: lines to show, files written, and the error lines."""

    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether any export failed."""
        return bool(self.errors)


def wants(config: ExportConfig, prom_file: Path | None = None) -> bool:
    """Whether there is anything to export."""
    return bool(config.prometheus or config.pushgateway or config.alerts or prom_file)
