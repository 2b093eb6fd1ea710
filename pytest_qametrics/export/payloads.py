"""The messages an alert sends: Slack blocks, PagerDuty Events v2, the generic JSON document."""

from __future__ import annotations

import hashlib
from typing import Any

from pytest_qametrics.export.config import AlertTarget
from pytest_qametrics.export.context import RunContext
from pytest_qametrics.export.families import slo_id
from pytest_qametrics.report.values import VERDICT_LABELS, slo_name, slo_observed, slo_threshold
from pytest_qametrics.version import __version__

__all__ = [
    "ALERT_SCHEMA_VERSION",
    "dedup_key",
    "generic_payload",
    "pagerduty_events",
    "run_state",
    "slack_message",
]

ALERT_SCHEMA_VERSION = 1
#: Slack shows at most 50 blocks; a few go to the header, the facts and the footer.
_SLACK_SLOS = 20
_MAX_DEDUP = 255
_STATE_WORDS = {"fail": "FAILED", "warn": "passed with warnings", "pass": "passed"}
_STATE_ICONS = {
    "fail": ":red_circle:",
    "warn": ":large_yellow_circle:",
    "pass": ":white_check_mark:",
}


def run_state(report: dict[str, Any]) -> str:
    """``fail`` when an SLO counted as failed, else ``warn`` when one counted as a warning,
    else ``pass`` (also when nothing was judged)."""
    counted = {slo["counted_as"] for slo in report["slos"]}
    return "fail" if "fail" in counted else "warn" if "warn" in counted else "pass"


def dedup_key(context: RunContext, slo: dict[str, Any]) -> str:
    """``qametrics/<project>/<branch>/<slo id>``: one PagerDuty incident per project, branch and
    SLO, at most 255 characters (a longer one keeps its start and gains a hash)."""
    key = f"qametrics/{context.project}/{context.branch or '-'}/{slo_id(slo)}"
    if len(key) <= _MAX_DEDUP:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[: _MAX_DEDUP - 17]}#{digest}"


def _line(slo: dict[str, Any]) -> str:
    return (
        f"{slo_name(slo)}: observed {slo_observed(slo)} vs {slo_threshold(slo)} "
        f"(n={slo['n']}, {VERDICT_LABELS[slo['verdict']]})"
    )


def _headline(report: dict[str, Any], context: RunContext) -> str:
    state = run_state(report)
    summary = report["summary"]
    failed = sum(1 for slo in report["slos"] if slo["counted_as"] == "fail")
    counts = f"{failed} of {summary['slos']} SLOs failed" if failed else f"{summary['slos']} SLOs"
    return f"qametrics: {context.project} {_STATE_WORDS[state]} ({counts})"


def _mrkdwn(text: str) -> str:
    """Slack's three control characters escaped, as its message formatting asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(report: dict[str, Any], context: RunContext) -> dict[str, Any]:
    """An incoming-webhook message: a header, the facts, each SLO not passed, a footer."""
    state = run_state(report)
    headline = _headline(report, context)
    facts = [("Branch", context.branch or "-"), ("Commit", (context.commit or "-")[:12])]
    facts.append(("Exit status", str(report["run"]["exit_status"])))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{_mrkdwn(v)}"} for k, v in facts],
        },
    ]
    shown = [slo for slo in report["slos"] if slo["counted_as"] != "pass"]
    for slo in shown[:_SLACK_SLOS]:
        word = "FAIL" if slo["counted_as"] == "fail" else "WARN"
        text = f"*{word}* {_mrkdwn(_line(slo))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if len(shown) > _SLACK_SLOS:
        more = f"... and {len(shown) - _SLACK_SLOS} more SLOs; see the report"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": more}})
    footer = f"pytest-qametrics {__version__}"
    if context.run_url:
        footer = f"<{context.run_url}|CI run> · {footer}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": f"{_STATE_ICONS[state]} {headline}", "blocks": blocks}


def _pages(slo: dict[str, Any], target: AlertTarget) -> bool:
    """Whether an SLO row triggers an incident: counted as failed (or as a warning with
    ``on=warn``); an inconclusive verdict only pages when the policy counts it as failed."""
    if slo["counted_as"] not in target.on or slo["counted_as"] == "pass":
        return False
    return bool(slo["verdict"] != "inconclusive" or slo["counted_as"] == "fail")


def _trigger(
    slo: dict[str, Any], report: dict[str, Any], context: RunContext, target: AlertTarget
) -> dict[str, Any]:
    severity = target.severity if slo["counted_as"] == "fail" else "warning"
    event: dict[str, Any] = {
        "routing_key": target.destination,
        "event_action": "trigger",
        "dedup_key": dedup_key(context, slo),
        "payload": {
            "summary": f"{context.project}: {_line(slo)}"[:1024],
            "source": f"{context.project} ({context.branch or 'no branch'})",
            "severity": severity,
            "component": slo["target"],
            "group": slo["scope"],
            "class": f"slo {slo['statistic']}",
            "custom_details": {
                "observed": slo["observed"],
                "threshold": slo["threshold"],
                "comparison": slo["comparison"],
                "n": slo["n"],
                "verdict": slo["verdict"],
                "branch": context.branch,
                "commit": context.commit,
                "exit_status": report["run"]["exit_status"],
            },
        },
        "client": f"pytest-qametrics {__version__}",
    }
    if context.run_url:
        event["client_url"] = context.run_url
        event["links"] = [{"href": context.run_url, "text": "CI run"}]
    return event


def pagerduty_events(
    report: dict[str, Any], context: RunContext, target: AlertTarget
) -> list[dict[str, Any]]:
    """A ``trigger`` per SLO that pages, a ``resolve`` per SLO whose verdict is pass.

    No state is kept between runs: every passing SLO's key is resolved on every run, and
    PagerDuty ignores a resolve for a key with no open incident. Other verdicts (warn,
    no_data, inconclusive, skipped) leave an open incident open.
    """
    events = []
    for slo in report["slos"]:
        if _pages(slo, target):
            events.append(_trigger(slo, report, context, target))
        elif slo["verdict"] == "pass":
            key = dedup_key(context, slo)
            resolve = {"routing_key": target.destination, "event_action": "resolve"}
            events.append({**resolve, "dedup_key": key})
    return events


def _slo_entry(slo: dict[str, Any], context: RunContext) -> dict[str, Any]:
    keys = ("scope", "tracker", "statistic", "target", "operation", "metric", "per", "part")
    more = ("comparison", "threshold", "observed", "n", "verdict", "counted_as", "severity")
    entry: dict[str, Any] = {"id": slo_id(slo), "dedup_key": dedup_key(context, slo)}
    entry.update({key: slo.get(key) for key in (*keys, *more)})
    entry["reason"] = slo.get("reason")
    return entry


def generic_payload(report: dict[str, Any], context: RunContext) -> dict[str, Any]:
    """The document a generic webhook receives (``alert.schema.json`` in this package)."""
    run = report["run"]
    return {
        "schema": "pytest-qametrics/alert",
        "schema_version": ALERT_SCHEMA_VERSION,
        "state": run_state(report),
        "headline": _headline(report, context),
        "project": context.project,
        "branch": context.branch,
        "commit": context.commit,
        "run_url": context.run_url,
        "run": {key: run.get(key) for key in ("started", "duration", "exit_status", "gate")},
        "summary": report["summary"],
        "slos": [_slo_entry(slo, context) for slo in report["slos"]],
        "lost_workers": len(report["lost_workers"]),
        "plugin": __version__,
    }
