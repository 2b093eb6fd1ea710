"""Alert payloads from report rows: who pages, who resolves, what Slack shows, dedup keys."""

from __future__ import annotations

from typing import Any

from pytest_qametrics.export.config import parse_alert_line
from pytest_qametrics.export.context import RunContext, ci_run_url
from pytest_qametrics.export.families import metric_families
from pytest_qametrics.export.payloads import dedup_key, pagerduty_events, run_state, slack_message

CONTEXT = RunContext("shop", "main", "0123456789abcdef0123456789abcdef01234567", None)
TARGET = parse_alert_line("pagerduty ${K} on=fail,warn", 1, {"K": "routing-key-1"})


def _slo(verdict: str, counted_as: str, statistic: str = "p95", **extra: Any) -> dict[str, Any]:
    row = {
        "scope": "shop",
        "tracker": "latency",
        "statistic": statistic,
        "target": "latency[operation=checkout]",
        "operation": "checkout",
        "metric": None,
        "per": None,
        "part": None,
        "comparison": "<=",
        "threshold": 0.5,
        "observed": 0.75,
        "n": 200,
        "verdict": verdict,
        "counted_as": counted_as,
        "severity": "fail",
        "reason": None,
    }
    return {**row, **extra}


def _report(*slos: dict[str, Any]) -> dict[str, Any]:
    failed = sum(1 for s in slos if s["counted_as"] == "fail")
    return {
        "run": {
            "exit_status": 1 if failed else 0,
            "started": "2026-01-01T00:00:00+00:00",
            "duration": 1.0,
            "gate": "enforce",
            "pytest": "9",
            "python": "3.11",
        },
        "summary": {
            "verdict": "fail" if failed else "pass",
            "slos": len(slos),
            "failed": failed,
            "warnings": 0,
            "tests": {"passed": 3},
        },
        "slos": list(slos),
        "series": [],
        "lost_workers": [],
    }


def test_an_inconclusive_verdict_counted_as_a_warning_never_pages() -> None:
    report = _report(_slo("inconclusive", "warn"), _slo("warn", "warn", "p99"))
    events = pagerduty_events(report, CONTEXT, TARGET)
    assert [(e["event_action"], e["dedup_key"].rsplit(".", 1)[1]) for e in events] == [
        ("trigger", "p99")
    ]
    assert events[0]["payload"]["severity"] == "warning"


def test_passing_slos_resolve_and_other_verdicts_leave_incidents_alone() -> None:
    report = _report(
        _slo("pass", "pass"), _slo("no_data", "pass", "p99"), _slo("fail", "fail", "max")
    )
    actions = [
        (e["event_action"], e["dedup_key"]) for e in pagerduty_events(report, CONTEXT, TARGET)
    ]
    assert actions == [
        ("resolve", "qametrics/shop/main/shop/latency[operation=checkout].p95"),
        ("trigger", "qametrics/shop/main/shop/latency[operation=checkout].max"),
    ]


def test_a_dedup_key_never_exceeds_255_characters_and_stays_distinct() -> None:
    long_a = _slo("fail", "fail", target="latency[operation=" + "a" * 300 + "]")
    long_b = _slo("fail", "fail", target="latency[operation=" + "a" * 299 + "b]")
    keys = {dedup_key(CONTEXT, long_a), dedup_key(CONTEXT, long_b)}
    assert len(keys) == 2
    assert all(len(key) == 255 for key in keys)


def test_slack_lists_each_slo_not_passed_and_escapes_its_control_characters() -> None:
    report = _report(_slo("fail", "fail", target="latency[operation=<a&b>]"), _slo("pass", "pass"))
    message = slack_message(report, CONTEXT)
    assert run_state(report) == "fail"
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    assert texts == [
        "*FAIL* latency[operation=&lt;a&amp;b&gt;] p95: "
        "observed 750 ms vs &lt;= 500 ms (n=200, FAIL)"
    ]
    assert message["blocks"][1]["fields"][1]["text"] == "*Commit*\n0123456789ab"


def test_slack_caps_a_long_list_of_failures_and_says_how_many_more() -> None:
    report = _report(*(_slo("fail", "fail", part=str(i), per="operation") for i in range(30)))
    blocks = slack_message(report, CONTEXT)["blocks"]
    assert len(blocks) == 2 + 20 + 1 + 1
    assert blocks[-2]["text"]["text"] == "... and 10 more SLOs; see the report"


def test_the_ci_run_url_comes_from_github_gitlab_or_jenkins_variables() -> None:
    github = {"GITHUB_SERVER_URL": "https://gh", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"}
    assert ci_run_url(github) == "https://gh/o/r/actions/runs/7"
    assert ci_run_url({"CI_JOB_URL": "https://gl/job/1"}) == "https://gl/job/1"
    assert ci_run_url({"BUILD_URL": "https://jenkins/b/2"}) == "https://jenkins/b/2"
    assert ci_run_url({}) is None


def test_two_slos_on_the_same_statistic_get_distinct_series() -> None:
    report = _report(_slo("pass", "pass", threshold=0.5), _slo("fail", "fail", threshold=0.3))
    families, warnings = metric_families(report, None, 200)
    assert warnings == []
    passed = next(f for f in families if f.name == "qametrics_slo_passed")
    assert [(s.labels["slo"], s.value) for s in passed.samples] == [
        ("latency[operation=checkout].p95", 1.0),
        ("latency[operation=checkout].p95 #2", 0.0),
    ]
