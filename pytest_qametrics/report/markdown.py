"""The report model as GitHub-flavoured Markdown, for a CI job summary (GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import html
import re
from typing import Any

from pytest_qametrics.report.values import (
    VERDICT_LABELS,
    format_duration,
    slo_name,
    slo_observed,
    slo_threshold,
)

__all__ = ["MAX_ROWS", "markdown_summary"]

#: SLO rows listed at most; GitHub caps a job summary at 1 MiB.
MAX_ROWS = 200
_ICONS = {
    "pass": "\u2705",
    "fail": "\u274c",
    "warn": "\u26a0\ufe0f",
    "no_data": "\u2b55",
    "inconclusive": "\u2754",
    "skipped": "\u23ed\ufe0f",
}
_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def _cell(value: object) -> str:
    """Plain text safe in a table cell: no line breaks, no Markdown, no HTML."""
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _headline(report: dict[str, Any]) -> str:
    summary = report["summary"]
    total, failed = summary["slos"], summary["failed"]
    skipped = sum(slo["verdict"] == "skipped" for slo in report["slos"])
    judged = total - skipped
    if failed:
        text = f"\u274c qametrics: {failed} of {total} SLOs failed"
    elif judged:
        met = f"all {judged} SLOs met" if judged != 1 else "the 1 SLO was met"
        text = f"\u2705 qametrics: {met}"
        if summary["warnings"]:
            text = f"\u26a0\ufe0f qametrics: no SLO failed, {summary['warnings']} with a warning"
    else:
        text = "qametrics: no SLO was judged"
    if skipped:
        text += f", {skipped} not judged (skipped)"
    if report["run"]["interrupted"]:
        text += " (the run was interrupted: partial data)"
    return f"### {text}"


def _row(slo: dict[str, Any]) -> str:
    verdict = slo["verdict"]
    label = f"{_ICONS.get(verdict, '')} {VERDICT_LABELS.get(verdict, verdict)}"
    observed = slo_observed(slo) if slo["observed"] is not None else slo["reason"] or "-"
    cells = [label, slo_name(slo), slo["scope"], observed, slo_threshold(slo), slo["n"]]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _footer(report: dict[str, Any]) -> str:
    run = report["run"]
    parts = [f"{n} {outcome}" for outcome, n in report["summary"]["tests"].items()]
    parts.append(f"took {format_duration(run['duration'])}")
    if run["xdist_workers"]:
        parts.append(f"{run['xdist_workers']} xdist workers")
    parts.append(f"exit status {run['exit_status']}")
    if run["git_commit"]:
        parts.append(f"commit {run['git_commit'][:12]}")
    return _cell(" \u00b7 ".join(parts))


def markdown_summary(report: dict[str, Any]) -> str:
    """A heading, a table of the SLOs (failing first), alerts, and one line about the run."""
    rank = {"fail": 0, "warn": 1, "no_data": 1, "inconclusive": 1}
    slos = sorted(report["slos"], key=lambda s: rank.get(s["counted_as"], 2))
    lines = [_headline(report), ""]
    for problem in report["problems"]:
        lines += [f"> **Error:** {_cell(problem)}", ""]
    for lost in report["lost_workers"]:
        where = f" while running {lost['running']}" if lost["running"] else ""
        lines += [f"> **Lost worker** {_cell(lost['worker'] + where)}: {_cell(lost['reason'])}", ""]
    if slos:
        lines += [
            "| verdict | SLO | scope | observed | threshold | n |",
            "| --- | --- | --- | ---: | ---: | ---: |",
            *(_row(slo) for slo in slos[:MAX_ROWS]),
        ]
        if len(slos) > MAX_ROWS:
            lines.append(f"\n{len(slos) - MAX_ROWS} more SLOs are in the report files.")
        lines.append("")
    lines += [_footer(report), ""]
    return "\n".join(lines) + "\n"
