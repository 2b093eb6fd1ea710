"""Export settings: alert lines, ${NAME} secrets, grouping labels, redaction of what we say."""

from __future__ import annotations

import pytest
import requests

from pytest_qametrics.export.config import (
    PAGERDUTY_EVENTS_URL,
    ExportConfigError,
    parse_alert_line,
    read_export_config,
)
from pytest_qametrics.export.delivery import _reason
from pytest_qametrics.export.redact import Redactor, shown_url, url_secrets

ENV = {
    "SLACK_URL": "https://hooks.example/services/T1/B2/slacktoken42",
    "PD_KEY": "pdroutingkey0123",
    "BRANCH": "feature/x",
}


def test_a_slack_line_reads_its_url_from_the_environment_and_shows_only_the_name() -> None:
    target = parse_alert_line("slack ${SLACK_URL} on=fail,warn", 1, ENV)
    assert target.kind == "slack"
    assert target.destination == ENV["SLACK_URL"]
    assert target.shown == "slack ${SLACK_URL}"
    assert target.on == frozenset({"fail", "warn"})
    assert "slacktoken42" not in repr(target)


def test_a_pagerduty_line_defaults_to_critical_and_the_events_v2_endpoint() -> None:
    target = parse_alert_line("pagerduty ${PD_KEY}", 3, ENV)
    assert (target.severity, target.url, target.on) == (
        "critical",
        PAGERDUTY_EVENTS_URL,
        frozenset({"fail"}),
    )
    assert ENV["PD_KEY"] in target.secrets
    assert ENV["PD_KEY"] not in repr(target)


def test_a_literal_webhook_url_is_shown_without_its_path() -> None:
    target = parse_alert_line("webhook https://qa.example:8443/hooks/abc?k=1", 1, ENV)
    assert target.shown == "webhook https://qa.example:8443/***"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "slack ${NOT_SET}",
            "qametrics_alert line 2 (slack): the environment variable NOT_SET is not set",
        ),
        (
            "slack https://hooks.example/x",
            "the slack destination is a secret; put it in an environment variable",
        ),
        (
            "pagerduty ${PD_KEY} severity=urgent",
            "severity='urgent' is not valid; use one of critical, error",
        ),
        (
            "slack ${SLACK_URL} on=always",
            "on='always' is not valid; give a comma-separated subset of fail,warn,pass",
        ),
        (
            "slack ${SLACK_URL} channel=qa",
            "'channel=qa' is not an option of a slack alert; use on=...",
        ),
        ("teams ${SLACK_URL}", "kind one of slack, pagerduty, webhook"),
        ("webhook ftp://files.example/x", "is not an http:// or https:// URL"),
    ],
)
def test_a_bad_alert_line_says_what_is_wrong_and_what_would_be_right(
    line: str, message: str
) -> None:
    with pytest.raises(ExportConfigError) as raised:
        parse_alert_line(line, 2, ENV)
    assert message in str(raised.value)
    assert "slacktoken42" not in str(raised.value)


def test_push_labels_expand_variables_and_job_is_refused_as_a_label() -> None:
    config = read_export_config(
        {"pushgateway": "http://127.0.0.1:9091", "push_labels": ["branch=${BRANCH}"]}, ENV
    )
    assert config.pushgateway is not None
    assert config.pushgateway.labels == (("branch", "feature/x"),)
    assert config.pushgateway.shown == "pushgateway http://127.0.0.1:9091"
    with pytest.raises(ExportConfigError, match="other than job"):
        read_export_config({"pushgateway": "http://127.0.0.1:9091", "push_labels": ["job=x"]}, ENV)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("export_timeout", "0", "qametrics_export_timeout = '0' is not valid"),
        ("export_timeout", "soon", "use a number of seconds > 0"),
        ("export_failure", "explode", "choose warn or fail"),
        ("export_max_label_values", "2.5", "use a whole number >= 1"),
    ],
)
def test_bad_export_numbers_and_policies_are_refused(key: str, value: str, message: str) -> None:
    with pytest.raises(ExportConfigError, match=message):
        read_export_config({key: value}, ENV)


def test_shown_urls_keep_scheme_host_and_port_only() -> None:
    assert shown_url("http://user:pw@gw.example:9091") == "http://gw.example:9091"
    assert shown_url("https://hooks.example/services/T/B/x") == "https://hooks.example/***"
    assert url_secrets("http://gw.example:9091") == []
    assert "user:pw" in url_secrets("http://user:pw@gw.example:9091/")


def test_a_connection_error_is_reduced_to_its_cause_and_scrubbed() -> None:
    url = "http://127.0.0.1:9/services/T1/B2/slacktoken42"
    with pytest.raises(requests.ConnectionError) as raised:
        requests.post(url, timeout=2)
    redact = Redactor(url_secrets(url))
    assert "slacktoken42" in str(raised.value)  # requests itself names the whole path
    reason = redact(_reason(raised.value, 2))
    assert reason == "cannot connect ([Errno 111] Connection refused)"
    assert redact(f"POST {url} failed") == "POST *** failed"
