"""What CI systems read from the report: JUnit XML suite properties and GitHub annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_qametrics.report.values import slo_name, slo_observed, slo_threshold
from pytest_qametrics.samples.text import one_line

__all__ = ["annotation_path", "github_annotations", "junit_properties"]


def junit_properties(report: dict[str, Any]) -> list[tuple[str, str]]:
    """``qametrics_verdict`` for the run, then one ``qametrics_slo ...`` property per SLO."""
    properties = [("qametrics_verdict", one_line(str(report["summary"]["verdict"])))]
    for slo in report["slos"]:
        name = one_line(f"qametrics_slo {slo['scope']} {slo_name(slo)}")
        properties.append((name, one_line(str(slo["verdict"]))))
    return properties


def _escape(text: str, *, property_value: bool = False) -> str:
    """Escape a workflow command's message (or a property value, which also escapes : and ,);
    other control characters from test data are then written as visible escapes (``\x1b``)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = one_line(text)
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def annotation_path(file: str, rootdir: Path, workspace: Path | None) -> str:
    """``file`` (relative to pytest's rootdir) relative to the GitHub workspace when inside it."""
    if workspace is None:
        return file
    try:
        return (rootdir / file).resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return file


def _message(slo: dict[str, Any]) -> str:
    wanted = slo_threshold(slo)
    if slo["observed"] is None:
        return f"{slo_name(slo)} {wanted}: {slo['reason']} (group {slo['scope']})"
    return (
        f"{slo_name(slo)} = {slo_observed(slo)}, needs {wanted} "
        f"(n={slo['n']}, {slo['source']}, group {slo['scope']})"
    )


def github_annotations(report: dict[str, Any], rootdir: Path, workspace: Path | None) -> list[str]:
    """``::error`` lines for SLOs that failed the run, ``::warning`` for those that warned.

    Each points at the first test of the SLO's group; session SLOs have no file.
    """
    lines = []
    for slo in report["slos"]:
        level = {"fail": "error", "warn": "warning"}.get(slo["counted_as"])
        if level is None:
            continue
        title = f"qametrics SLO {slo['verdict'].replace('_', ' ')}"
        where = [f"title={_escape(title, property_value=True)}"]
        location = slo["location"]
        if location is not None:
            path = annotation_path(location["file"], rootdir, workspace)
            where = [
                f"file={_escape(path, property_value=True)}",
                f"line={location['line']}",
                *where,
            ]
        lines.append(f"::{level} {','.join(where)}::{_escape(_message(slo))}")
    return lines
