"""Alerts from real runs to real receivers: Slack blocks, PagerDuty events, the generic JSON."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from .projects import read_report, run_shop, write_ini
from .servers import Receiver

SLACK_PATH = "/services/T0001/B0002/slacksecret0123456789"
ROUTING_KEY = "routingkeysecret0123456789abcdef"


@pytest.fixture(autouse=True)
def _ci_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI job on branch main, whose page the alerts link to."""
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://ci.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "team/shop")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_REF_NAME", "main")


def _alerts(pytester: pytest.Pytester, *lines: str) -> None:
    write_ini(
        pytester, "qametrics_push_job = shop", "qametrics_alert =", *(f"    {x}" for x in lines)
    )


def _slack(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    monkeypatch.setenv("SLACK_URL", receiver.url + SLACK_PATH)


def test_a_breach_posts_one_slack_message_with_the_failed_slo_and_the_ci_link(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    _slack(monkeypatch, receiver)
    _alerts(pytester, "slack ${SLACK_URL} on=fail,warn")
    result = run_shop(pytester, "-n", "2", p95=0.1)
    assert result.ret == 1
    (request,) = receiver.requests
    assert (request.method, request.path) == ("POST", SLACK_PATH)
    assert request.headers["Content-Type"] == "application/json"
    message = request.json()
    assert message["text"] == ":red_circle: qametrics: shop FAILED (1 of 4 SLOs failed)"
    header, facts, failed, footer = message["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "qametrics: shop FAILED (1 of 4 SLOs failed)"},
    }
    assert [f["text"] for f in facts["fields"]] == [
        "*Branch*\nmain",
        "*Commit*\n-",
        "*Exit status*\n1",
    ]
    p95 = read_report(pytester)["slos"][0]
    assert p95["verdict"] == "fail"
    assert failed["text"]["text"] == (
        "*FAIL* latency[operation=checkout] p95: observed 189 ms vs &lt;= 100 ms (n=400, FAIL)"
    )
    assert footer["elements"][0]["text"].startswith(
        "<https://ci.example/team/shop/actions/runs/4242|CI run> · pytest-qametrics "
    )
    assert "sent 1 slack message(s) to slack ${SLACK_URL}" in result.stdout.str()


def test_a_passing_run_sends_nothing_to_a_fail_only_slack_target(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    _slack(monkeypatch, receiver)
    _alerts(pytester, "slack ${SLACK_URL}")
    assert run_shop(pytester).ret == 0
    assert receiver.requests == []


def _events(receiver: Receiver) -> dict[str, dict[str, Any]]:
    events = [r.json() for r in receiver.requests]
    assert {r.path for r in receiver.requests} == {"/v2/enqueue"}
    by_key = {e["dedup_key"]: e for e in events}
    assert len(by_key) == len(events)
    return by_key


def test_pagerduty_triggers_the_breached_slo_and_resolves_it_when_it_passes_again(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.status = 202
    monkeypatch.setenv("PD_KEY", ROUTING_KEY)
    _alerts(pytester, f"pagerduty ${{PD_KEY}} severity=error url={receiver.url}/v2/enqueue")
    assert run_shop(pytester, "-n", "2", p95=0.1).ret == 1
    first = _events(receiver)
    key = "qametrics/shop/main/shop/latency[operation=checkout].p95"
    trigger = first.pop(key)
    assert trigger["routing_key"] == ROUTING_KEY
    assert trigger["event_action"] == "trigger"
    payload = trigger["payload"]
    assert payload["severity"] == "error"
    assert payload["source"] == "shop (main)"
    assert payload["summary"].startswith("shop: latency[operation=checkout] p95: observed 189 ms")
    assert payload["custom_details"]["threshold"] == 0.1
    assert payload["custom_details"]["n"] == 400
    assert trigger["links"] == [
        {"href": "https://ci.example/team/shop/actions/runs/4242", "text": "CI run"}
    ]
    assert {e["event_action"] for e in first.values()} == {"resolve"}
    assert len(first) == 3  # the three SLOs that passed
    receiver.requests.clear()
    assert run_shop(pytester, "-n", "2", p95=1.0).ret == 0
    second = _events(receiver)
    assert second[key] == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": key}
    assert {e["event_action"] for e in second.values()} == {"resolve"}


def test_the_generic_webhook_posts_the_versioned_summary_that_matches_its_schema(
    pytester: pytest.Pytester, receiver: Receiver
) -> None:
    _alerts(pytester, f"webhook {receiver.url}/hooks/qa on=fail,pass")
    assert run_shop(pytester, p95=0.1).ret == 1
    (request,) = receiver.requests
    body = request.json()
    schema = json.loads(
        resources.files("pytest_qametrics.export").joinpath("alert.schema.json").read_text()
    )
    jsonschema.validate(body, schema)
    assert (body["schema_version"], body["state"], body["project"]) == (1, "fail", "shop")
    assert body["branch"] == "main"
    assert body["run_url"] == "https://ci.example/team/shop/actions/runs/4242"
    assert body["summary"] == read_report(pytester)["summary"]
    checkout = body["slos"][0]
    assert checkout["id"] == "shop/latency[operation=checkout].p95"
    assert (checkout["verdict"], checkout["counted_as"], checkout["n"]) == ("fail", "fail", 400)
    assert (checkout["comparison"], checkout["threshold"]) == ("<=", 0.1)
    assert [s["verdict"] for s in body["slos"][1:]] == ["pass", "pass", "pass"]


def test_a_dry_run_prints_the_messages_with_the_secret_masked_and_sends_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    monkeypatch.setenv("PD_KEY", ROUTING_KEY)
    _slack(monkeypatch, receiver)
    _alerts(
        pytester,
        "slack ${SLACK_URL}",
        f"pagerduty ${{PD_KEY}} url={receiver.url}/v2/enqueue",
    )
    result = run_shop(pytester, "--qametrics-alert-dry-run", p95=0.1)
    assert result.ret == 1
    assert receiver.requests == []
    out = result.stdout.str()
    assert "qametrics alert dry run: would POST 1 message(s) to slack ${SLACK_URL}" in out
    assert "qametrics alert dry run: would POST 4 message(s) to pagerduty ${PD_KEY}" in out
    assert '"routing_key": "***"' in out
    assert '"event_action": "trigger"' in out
    assert ROUTING_KEY not in out
    assert "slacksecret" not in out
