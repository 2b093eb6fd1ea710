"""The period (weekly) report of a history as Markdown and as a self-contained HTML page.

A pure renderer of the plain dict ``history.period.period_report`` builds: it never reads a
history itself (the report and history stages never import each other).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["weekly_html", "weekly_markdown"]

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;color:#1b1f24}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;"
    "padding:.25rem .6rem;text-align:left}th{background:#f6f8fa}.worse{color:#b42318}"
    ".better{color:#067647}li{margin:.2rem 0}"
)


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.4f}"


def _change(metric: dict[str, Any]) -> str:
    if metric["change"] is None:
        return "-"
    p = "" if metric["p_value"] is None else f", p={metric['p_value']:.2g}"
    mark = " (significant)" if metric["significant"] else ""
    return f"{metric['change']:+.1%}{p}{mark}"


def _sections(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], str]]:
    """Every section as (title, header, rows, text when empty)."""
    cost = data["cost"]
    return [
        (
            "Key metrics",
            ["series", "statistic", "this period", "previous", "change"],
            [
                [m["series"], m["statistic"], m["shown_current"], m["shown_previous"], _change(m)]
                for m in data["key_metrics"]
            ],
            "No SLO'd series recorded in the period.",
        ),
        (
            "SLO breaches",
            ["SLO", "failed runs", "previous period"],
            [[b["slo"], str(b["count"]), str(b["previous"])] for b in data["breaches"]],
            "No SLO failed in the period.",
        ),
        (
            "Top regressions",
            ["what", "change"],
            [[r["what"], r["text"]] for r in data["regressions"]],
            "No significant regression.",
        ),
        (
            "Cost",
            ["model", "total", "per run"],
            [[m["model"], _money(m["total"]), _money(m["per_run"])] for m in cost["models"]]
            + (
                [["all models", _money(cost["total"]), _money(cost["per_run"])]]
                if cost["runs_with_cost"]
                else []
            ),
            "No run recorded a cost_usd metric.",
        ),
        (
            "Flaky SLOs",
            ["SLO", "flips", "verdicts"],
            [[f["slo"], str(f["flips"]), " ".join(f["verdicts"])] for f in data["flaky"]],
            "No SLO flipped between pass and fail.",
        ),
    ]


def _headline(data: dict[str, Any]) -> str:
    period, previous = data["period"], data["previous"]
    branch = f" on {data['branch']}" if data["branch"] else ""
    return (
        f"{period['runs']} runs{branch} from {period['start']} to {period['end']} "
        f"({period['failed_runs']} failed); {previous['runs']} runs in the period before"
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def weekly_markdown(data: dict[str, Any]) -> str:
    """The report as Markdown (a job summary, a wiki page, a chat message)."""
    lines = [f"# QA metrics report: {data['history']}", "", _headline(data), ""]
    for title, header, rows, empty in _sections(data):
        lines += [f"## {title}", ""]
        lines += [*_md_table(header, rows), ""] if rows else [empty, ""]
    lines += ["## Recommendations", ""]
    advice = data["recommendations"]
    lines += [f"- **{_md_cell(a['slo'])}**: {_md_cell(a['text'])}" for a in advice] or [
        "Nothing to recommend."
    ]
    return "\n".join(lines).rstrip() + "\n"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def weekly_html(data: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (no scripts, no external files)."""
    title = html.escape(f"QA metrics report: {data['history']}")
    parts = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>',
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>",
        f'<p id="headline">{html.escape(_headline(data))}</p>',
    ]
    for title_text, header, rows, empty in _sections(data):
        anchor = title_text.lower().replace(" ", "-")
        parts.append(f'<section id="{anchor}"><h2>{html.escape(title_text)}</h2>')
        parts.append(_html_table(header, rows) if rows else f"<p>{html.escape(empty)}</p>")
        parts.append("</section>")
    items = "".join(
        f"<li><strong>{html.escape(a['slo'])}</strong>: {html.escape(a['text'])}</li>"
        for a in data["recommendations"]
    )
    parts.append('<section id="recommendations"><h2>Recommendations</h2>')
    parts.append(f"<ul>{items}</ul>" if items else "<p>Nothing to recommend.</p>")
    parts.append("</section></body></html>\n")
    return "".join(parts)
