"""Write the report model as report.json, slos.csv, series.csv and report.html, atomically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pytest_qametrics.artifact import write_atomic
from pytest_qametrics.report.formats import FORMATS
from pytest_qametrics.report.html import render_html

__all__ = ["FORMATS", "check_writable", "csv_cell", "write_reports"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Guard a text cell against spreadsheet formula injection; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, (list, tuple)):
        return csv_cell(" ".join(str(v) for v in value))
    return "" if value is None else value


def _csv(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def _slos_csv(report: dict[str, Any]) -> str:
    header = list(report["slos"][0]) if report["slos"] else ["scope", "verdict"]
    return _csv(header, [[row[h] for h in header] for row in report["slos"]])


def _series_csv(report: dict[str, Any]) -> str:
    rows: list[list[object]] = [
        [s["scope"], s["tracker"], s["name"], name, value, s.get("relative_error", 0.0)]
        for s in report["series"]
        for name, value in s["statistics"].items()
    ]
    header = ["scope", "tracker", "name", "statistic", "value", "relative_error"]
    return _csv(header, rows)


def check_writable(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written there (OSError if not)."""
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / ".qametrics-write-check"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()


def write_reports(report: dict[str, Any], directory: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write the requested formats into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs: list[tuple[str, str]] = []
    if "json" in formats:
        outputs.append(("report.json", json.dumps(report, indent=2, sort_keys=False) + "\n"))
    if "csv" in formats:
        outputs += [("slos.csv", _slos_csv(report)), ("series.csv", _series_csv(report))]
    if "html" in formats:
        outputs.append(("report.html", render_html(report)))
    paths = []
    for name, text in outputs:
        write_atomic(directory / name, text)
        paths.append(directory / name)
    return paths
