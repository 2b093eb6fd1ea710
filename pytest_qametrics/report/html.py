"""Render the report model as one self-contained HTML page: jinja2, autoescaped, no remote loads."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from pytest_qametrics.judge.series import row_trend_key
from pytest_qametrics.report.charts import (
    Marker,
    bar_chart,
    confusion_heatmap,
    latency_chart,
    sparkline,
)
from pytest_qametrics.report.model import ALL_OPERATIONS, CALL_DURATIONS
from pytest_qametrics.report.values import (
    VERDICT_LABELS,
    format_duration,
    format_number,
    format_stat,
    is_duration,
    quantile_of,
    slo_name,
    slo_observed,
    slo_threshold,
)
from pytest_qametrics.samples.testlog import OUTCOMES

__all__ = ["CONTENT_SECURITY_POLICY", "MAX_LATENCY_CHARTS", "render_html"]

#: Latency charts drawn at most; further series are listed in the Series table only.
MAX_LATENCY_CHARTS = 200
_FILES = resources.files("pytest_qametrics.report")
_CSS = (_FILES / "report.css").read_text(encoding="utf-8")
_JS = (_FILES / "report.js").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


#: Nothing may load from anywhere; only the page's own style and script blocks (by hash) apply.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{_sha256(_CSS)}'; script-src '{_sha256(_JS)}'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
_ENVIRONMENT = jinja2.Environment(
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False
)
_TEMPLATE = _ENVIRONMENT.from_string((_FILES / "report.html.j2").read_text(encoding="utf-8"))
_SYMBOLS = {
    "pass": "\u2713",
    "fail": "\u2717",
    "warn": "!",
    "no_data": "\u2205",
    "inconclusive": "?",
    "skipped": "\u2013",
    "not_judged": "\u2013",
}
_RANK = {"fail": 0, "warn": 1, "inconclusive": 2, "no_data": 3, "pass": 4, "skipped": 5}
_COMPARISONS = {"<=": "\u2264", ">=": "\u2265", "<": "<", ">": ">"}
_GOOD_OUTCOMES = {"resolved_automatically": "good", "customer_hung_up": "neutral"}


def _notes(slo: dict[str, Any]) -> list[str]:
    notes = []
    if slo["reason"]:
        notes.append(slo["reason"])
    interval = slo["interval"]
    if interval is not None and slo["confidence"] is not None:
        low, high = (
            "unbounded" if v is None else format_stat(v, slo["tracker"], slo["statistic"])
            for v in (interval["low"], interval["high"])
        )
        notes.append(f"{slo['confidence']:.0%} bounds [{low}, {high}]")
    if slo["budget"] is not None:
        notes.append(f"budget: {slo['budget']['text']}")
    if slo["needed"] is not None and slo["verdict"] in ("inconclusive", "no_data"):
        notes.append(f"about {slo['needed']} samples could decide it")
    if slo["relative_error"]:
        notes.append(f"approximate: within {slo['relative_error']:.1%}")
    if slo["lost_from"]:
        notes.append(f"may lack samples from lost worker {', '.join(slo['lost_from'])}")
    if slo["severity"] == "warn":
        notes.append("severity=warn")
    return notes


def _threshold(slo: dict[str, Any]) -> str:
    """``≤ 40 ms``: the threshold with a typographic comparison."""
    return f"{_COMPARISONS[slo['comparison']]} {slo_threshold(slo).split(' ', 1)[1]}"


def _trend(slo: dict[str, Any], trends: dict[str, list[dict[str, Any]]]) -> Markup | str:
    """A sparkline of the SLO's statistic over the last runs (with --qametrics-history)."""
    points = trends.get(row_trend_key(slo), [])
    if len(points) < 2:
        return ""
    values = [float(p["value"]) for p in points]
    title = f"last {len(values)} runs: " + ", ".join(
        f"run {p['run']}: {p['value']:.4g}" for p in points
    )
    return Markup(sparkline(values, title))


def _slo_views(
    slos: list[dict[str, Any]], trends: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    ordered = sorted(slos, key=lambda s: _RANK.get(s["verdict"], 9))
    return [
        {
            "verdict": slo["verdict"],
            "label": VERDICT_LABELS.get(slo["verdict"], slo["verdict"].upper()),
            "symbol": _SYMBOLS.get(slo["verdict"], ""),
            "name": slo_name(slo),
            "scope": slo["scope"],
            "observed": slo_observed(slo),
            "threshold": _threshold(slo),
            "n": format_number(slo["n"]),
            "source": slo["source"],
            "notes": _notes(slo),
            "trend": _trend(slo, trends),
        }
        for slo in ordered
    ]


def _hero(report: dict[str, Any]) -> dict[str, str]:
    summary, run = report["summary"], report["run"]
    total, failed = summary["slos"], summary["failed"]
    skipped = sum(slo["verdict"] == "skipped" for slo in report["slos"])
    judged = total - skipped
    if failed:
        headline = f"{failed} of {total} SLOs failed"
    elif judged:
        headline = (
            f"no SLO failed of {judged}"
            if summary["warnings"]
            else (f"all {judged} SLOs met" if judged != 1 else "the 1 SLO was met")
        )
    else:
        headline = "no SLO was judged"
    if summary["warnings"]:
        headline += f", {summary['warnings']} with a warning"
    if skipped:
        headline += f", {skipped} not judged (skipped)"
    if run["interrupted"]:
        return {
            "css": "interrupted",
            "symbol": "!",
            "word": "INTERRUPTED",
            "headline": f"The run was interrupted; judged on the data it had: {headline}.",
        }
    if report["lost_workers"] or report["problems"]:
        return {
            "css": "fail",
            "symbol": "!",
            "word": "INCOMPLETE",
            "headline": f"Samples were lost (see below), so the run fails; {headline}.",
        }
    verdict = summary["verdict"]
    return {
        "css": verdict.replace("_", "-"),
        "symbol": _SYMBOLS.get(verdict, "?"),
        "word": verdict.replace("_", " ").upper(),
        "headline": headline[0].upper() + headline[1:] + ".",
    }


def _chips(report: dict[str, Any]) -> list[tuple[str, str]]:
    run = report["run"]
    chips = [("SLOs", format_number(report["summary"]["slos"]))]
    chips += [(outcome, format_number(n)) for outcome, n in report["summary"]["tests"].items()]
    chips.append(("duration", format_duration(run["duration"])))
    chips.append(("exit status", str(run["exit_status"])))
    if run["xdist_workers"]:
        chips.append(("xdist workers", str(run["xdist_workers"])))
    chips.append(("gate", run["gate"]))
    return chips


def _matches(slo: dict[str, Any], series: dict[str, Any], operations: int) -> bool:
    """Whether ``slo`` judges the samples drawn for ``series``."""
    name = series["name"]
    if slo["source"] != series["source"]:
        return False
    if name == CALL_DURATIONS:
        return True
    if slo["operation"] is not None or slo["per"] == "operation":
        return name in (slo["operation"], slo["part"])
    if slo["per"] is not None:
        return False
    return name == ALL_OPERATIONS or operations == 1


def _markers(series: dict[str, Any], slos: list[dict[str, Any]], operations: int) -> list[Marker]:
    markers = []
    for slo in slos:
        statistic = slo["statistic"]
        if not (is_duration("latency", statistic) and _matches(slo, series, operations)):
            continue
        threshold = format_duration(slo["threshold"])
        quantile = 1.0 if statistic == "max" else quantile_of(statistic)
        label = f"{statistic} {_COMPARISONS[slo['comparison']]} {threshold}"
        markers.append(Marker(slo["threshold"], label, slo["verdict"], slo["observed"], quantile))
    return markers


def _latency_stats(series: dict[str, Any]) -> list[tuple[str, str]]:
    stats = series["statistics"]
    shown = [("n", format_number(stats["count"]))]
    shown += [(k, format_stat(stats[k], "latency", k)) for k in ("p50", "p95", "p99", "max")]
    if stats["error_rate"]:
        shown.append(("errors", format_stat(stats["error_rate"], "latency", "error_rate")))
    return shown


def _merged(report: dict[str, Any], tracker: str) -> list[tuple[list[str], dict[str, Any]]]:
    """The series rows of ``tracker``; rows with the same samples in several scopes merge.

    A group whose tests are the only ones recording an operation has the same samples as the
    session: one card then stands for both, with the SLOs of both.
    """
    merged: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for row in report["series"]:
        if row["tracker"] != tracker or not row["statistics"].get("count"):
            continue
        same = repr({k: v for k, v in row.items() if k not in ("scope", "examples")})
        merged.setdefault(same, ([], row))[0].append(row["scope"])
    return list(merged.values())


def _latency_cards(report: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """One card per distinct latency distribution, with the SLOs of every scope it stands for."""
    slos = [s for s in report["slos"] if s["tracker"] == "latency"]
    operations: dict[str, int] = {}
    for row in report["series"]:
        if row["tracker"] == "latency" and row["name"] not in (ALL_OPERATIONS, CALL_DURATIONS):
            operations[row["scope"]] = operations.get(row["scope"], 0) + 1
    cards = []
    groups = [(scopes, row) for scopes, row in _merged(report, "latency") if row["distribution"]]
    for scopes, row in groups:
        markers = [
            marker
            for scope in scopes
            for marker in _markers(
                row, [s for s in slos if s["scope"] == scope], operations.get(scope, 0)
            )
        ]
        rank = min((_RANK.get(m.verdict, 9) for m in markers), default=10)
        cards.append((rank, row, scopes, markers))
    cards.sort(key=lambda card: card[0])
    views = []
    for _, row, scopes, markers in cards[:MAX_LATENCY_CHARTS]:
        title = f"{row['name']} latency: histogram and cumulative share"
        chart = latency_chart(row["distribution"], markers, title)
        if chart is not None:
            views.append(
                {
                    "name": row["name"],
                    "scopes": scopes,
                    "stats": _latency_stats(row),
                    "chart": Markup(chart),
                    "slos": markers,
                    "failed": any(row["distribution"]["histogram"]["failed"]),
                }
            )
    return views, max(len(groups) - MAX_LATENCY_CHARTS, 0)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.3g}%"


def _accuracy_cards(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for scopes, row in _merged(report, "accuracy"):
        details, stats = row["details"], row["statistics"]
        title = f"confusion matrix of {row['name']}"
        yield {
            "name": row["name"],
            "scopes": scopes,
            "stats": [("n", format_number(stats["count"]))]
            + [(k, _pct(stats[k])) for k in ("accuracy", "balanced_accuracy", "f1_macro")],
            "heatmap": Markup(
                confusion_heatmap(details["labels"], details["confusion_matrix"], title)
            ),
            "classes": [
                (label, _pct(c["precision"]), _pct(c["recall"]), _pct(c["f1"]), c["support"])
                for label, c in details["per_class"].items()
            ],
        }


def _tone(outcome: str) -> str:
    return _GOOD_OUTCOMES.get(outcome, "bad" if "escalated" in outcome else "warn")


def _escalation_cards(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for scopes, row in _merged(report, "escalation"):
        details, stats = row["details"], row["statistics"]
        names = ("escalation_rate", "automation_rate", "fcr_rate", "resolution_time_p95")
        reasons = details["reasons"]
        yield {
            "name": row["name"],
            "scopes": scopes,
            "stats": [("n", format_number(stats["count"]))]
            + [(k, format_stat(stats[k], "escalation", k)) for k in names],
            "outcomes": Markup(bar_chart(details["outcomes"], "outcomes", _tone)),
            "reasons": Markup(bar_chart(reasons, "reasons", lambda _: "info")) if reasons else "",
        }


def _evals_cards(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One card per scope with trials: counts, pass rate, pass@k / pass^k, the flaky cases."""
    for row in report["series"]:
        if row["tracker"] != "evals" or not row["details"]["trials"]:
            continue
        details, stats = row["details"], row["statistics"]
        shown = [
            ("trials", format_number(details["trials"])),
            ("cases", format_number(details["cases"])),
            ("pass rate", _pct(stats["pass_rate"])),
        ]
        for key, value in stats.items():
            if key.startswith(("pass_at_", "pass_hat_")):
                k = key.rsplit("_", 1)[1]
                shown.append((f"pass@{k}" if "_at_" in key else f"pass^{k}", _pct(value)))
        shown += [("flaky", format_number(stats["flaky_cases"] or 0))]
        if details["errors"] or details["skipped"]:
            shown.append(
                ("not counted", f"{details['errors']} errors, {details['skipped']} skipped")
            )
        if stats.get("score_mean") is not None:
            shown.append(("mean score", f"{stats['score_mean']:.3g}"))
        yield {
            "name": row["name"],
            "scope": row["scope"],
            "stats": shown,
            "flaky": [(f["case"], f"{f['passed']} of {f['trials']}") for f in details["flaky"]],
        }


_METRIC_COLUMNS = ("count", "sum", "mean", "min", "max", "p50", "p95", "p99")


def _metric_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": row["name"],
            "scopes": scopes,
            "cells": [format_stat(row["statistics"].get(k), "metric", k) for k in _METRIC_COLUMNS],
        }
        for scopes, row in _merged(report, "metric")
    ]


def _series_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "tracker": row["tracker"],
            "name": row["name"],
            "scope": row["scope"],
            "stats": [(k, format_stat(v, row["tracker"], k)) for k, v in row["statistics"].items()],
        }
        for row in report["series"]
    ]


def _test_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "nodeid": test["nodeid"],
            "outcome": test["outcome"],
            "duration": "-" if test["duration"] is None else format_duration(test["duration"]),
            "sort": -1 if test["duration"] is None else test["duration"],
            "series": test["series"],
            "worker": test["worker"] or "",
        }
        for test in report["tests"]
    ]


def _run_items(report: dict[str, Any]) -> list[tuple[str, str]]:
    run = report["run"]
    items = [
        ("started", run["started"]),
        ("duration", format_duration(run["duration"])),
        ("exit status", f"{run['exit_status']}{' (interrupted)' if run['interrupted'] else ''}"),
        ("gate", run["gate"]),
        ("percentiles", run["percentile_method"]),
        ("versions", f"Python {run['python']}, pytest {run['pytest']}, plugin {run['plugin']}"),
        ("platform", run["platform"]),
        ("xdist workers", str(run["xdist_workers"] or "none (a serial run)")),
    ]
    if run["git_commit"]:
        items.append(("git commit", run["git_commit"]))
    return items


def render_html(report: dict[str, Any]) -> str:
    """Return the page for ``report``."""
    latency, left = _latency_cards(report)
    present = {test["outcome"] for test in report["tests"]}
    return _TEMPLATE.render(
        csp=CONTENT_SECURITY_POLICY,
        css=Markup(_CSS),
        js=Markup(_JS),
        schema_version=report["schema_version"],
        run=report["run"],
        hero=_hero(report),
        chips=_chips(report),
        problems=report["problems"],
        recommendations=report.get("recommendations", []),
        lost_workers=[
            f"worker {w['worker']} was lost"
            + (f" while running {w['running']}" if w["running"] else "")
            + f" ({w['reason']})"
            for w in report["lost_workers"]
        ],
        slos=_slo_views(report["slos"], report.get("trends", {})),
        latency=latency,
        charts_drawn=MAX_LATENCY_CHARTS,
        charts_left=left,
        accuracy=list(_accuracy_cards(report)),
        escalation=list(_escalation_cards(report)),
        evals=list(_evals_cards(report)),
        metrics=_metric_rows(report),
        metric_columns=_METRIC_COLUMNS,
        tests=_test_rows(report),
        outcomes=[o for o in OUTCOMES if o in present],
        series=_series_rows(report),
        run_items=_run_items(report),
    )
