"""Write the report model as report.json, slos.csv, series.csv and report.html, atomically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pytest_qametrics.report.formats import FORMATS
from pytest_qametrics.report.html import render_html
from pytest_qametrics.report.model import SCHEMA_VERSION
from pytest_qametrics.report.validate import schema_error
from pytest_qametrics.samples.artifact import ARTIFACT_NAME, check_writable, write_set

__all__ = [
    "FORMATS",
    "SERIES_COLUMNS",
    "SLO_COLUMNS",
    "ReportError",
    "check_writable",
    "csv_cell",
    "load_report",
    "render_csv",
    "write_reports",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The columns of slos.csv, one row per SLO (per slice of a ``per=`` SLO).
SLO_COLUMNS = (
    "scope",
    "tracker",
    "statistic",
    "operation",
    "metric",
    "per",
    "part",
    "comparison",
    "threshold",
    "observed",
    "n",
    "source",
    "verdict",
    "severity",
    "min_samples",
    "confidence",
    "interval_low",
    "interval_high",
    "needed",
    "relative_error",
    "lost_from",
    "reason",
    "declared_at",
    "file",
    "line",
)
#: The columns of series.csv, one row per series and statistic.
SERIES_COLUMNS = ("scope", "tracker", "name", "statistic", "value", "relative_error")


class ReportError(ValueError):
    """A JSON report that cannot be rendered again; the message names the file."""


def csv_cell(value: object) -> object:
    """Guard a text cell against spreadsheet formula injection; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, (list, tuple)):
        return csv_cell(" ".join(str(v) for v in value))
    return "" if value is None else value


def _csv(header: tuple[str, ...], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def _slo_cells(slo: dict[str, Any]) -> list[object]:
    interval = slo.get("interval") or {}
    location = slo.get("location") or {}
    flat = {
        **slo,
        "interval_low": interval.get("low"),
        "interval_high": interval.get("high"),
        "file": location.get("file"),
        "line": location.get("line"),
    }
    return [flat.get(column) for column in SLO_COLUMNS]


def _series_cells(report: dict[str, Any]) -> list[list[object]]:
    return [
        [s["scope"], s["tracker"], s["name"], name, value, s.get("relative_error", 0.0)]
        for s in report["series"]
        for name, value in s["statistics"].items()
    ]


def render_csv(report: dict[str, Any]) -> dict[str, str]:
    """The two CSV files by name: ``slos.csv`` and ``series.csv`` (RFC 4180, CRLF lines)."""
    return {
        "slos.csv": _csv(SLO_COLUMNS, [_slo_cells(slo) for slo in report["slos"]]),
        "series.csv": _csv(SERIES_COLUMNS, _series_cells(report)),
    }


#: Every file a report set may hold; a set written without some of them removes them, so a
#: directory never shows one run's JSON beside another run's HTML.
SET_FILES = ("report.json", "slos.csv", "series.csv", "report.html", ARTIFACT_NAME)


def write_reports(
    report: dict[str, Any],
    directory: Path,
    formats: tuple[str, ...],
    extra: tuple[tuple[str, str], ...] = (),
) -> list[Path]:
    """Write the requested formats (and ``extra`` files, the data artifact) into
    ``directory`` as one set (see ``write_set``); return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs: list[tuple[str, str]] = []
    if "json" in formats:
        text = json.dumps(report, indent=2, allow_nan=False)
        outputs.append(("report.json", text + "\n"))
    if "csv" in formats:
        outputs += list(render_csv(report).items())
    if "html" in formats:
        outputs.append(("report.html", render_html(report)))
    outputs += extra
    write_set(directory, outputs, SET_FILES)
    return [directory / name for name, _ in outputs]


def load_report(path: Path) -> dict[str, Any]:
    """Read a report.json back, checking it is one this version can render."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file; pass the report.json a run wrote") from None
    except (OSError, ValueError) as err:
        raise ReportError(f"{path}: cannot be read as a JSON report: {err}") from err
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ReportError(f"{path}: not a qametrics report.json (it has no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise ReportError(
            f"{path}: schema_version must be the integer {SCHEMA_VERSION}, not the "
            f"{type(version).__name__} {version!r}"
        )
    if version != SCHEMA_VERSION:
        raise ReportError(
            f"{path}: report schema_version {data['schema_version']!r}, this pytest-qametrics "
            f"renders version {SCHEMA_VERSION}; render it with the version that wrote it"
        )
    problem = schema_error(data)
    if problem is not None:
        raise ReportError(f"{path}: not a report this version wrote ({problem}); nothing rendered")
    return data
