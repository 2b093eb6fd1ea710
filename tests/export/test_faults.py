"""Targets that are down, slow, failing or unset: one redacted ERROR line, never a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .projects import run_shop, write_ini
from .servers import Gateway, Receiver, free_port

SECRET_PATH = "/services/T0001/B0002/faultsecret0123456789"
ROUTING_KEY = "faultroutingkey0123456789abcdef"


def _everything_written(pytester: pytest.Pytester, result: pytest.RunResult) -> str:
    """stdout, stderr and every report file of the run, as one text."""
    files = sorted((pytester.path / "report").glob("*"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files if p.is_file()]
    junit = pytester.path / "junit.xml"
    if junit.exists():
        texts.append(junit.read_text(encoding="utf-8"))
    return "\n".join([result.stdout.str(), result.stderr.str(), *texts])


def test_a_stopped_gateway_is_one_error_line_and_the_run_still_passes(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    stopped = Gateway.start(tmp_path)
    stopped.stop()
    result = run_shop(pytester, "-n", "2", f"--qametrics-pushgateway={stopped.url}")
    assert result.ret == 0
    errors = [line for line in result.outlines if line.startswith("ERROR qametrics export:")]
    assert len(errors) == 1
    assert errors[0].startswith(
        f"ERROR qametrics export: pushgateway {stopped.url}: cannot connect"
    )
    assert (pytester.path / "report" / "report.json").exists()


def test_export_failure_fail_turns_a_failed_push_into_exit_code_1(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_export_failure = fail")
    result = run_shop(pytester, f"--qametrics-pushgateway=http://127.0.0.1:{free_port()}")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["ERROR qametrics export: pushgateway http://127.0.0.1:*"])
    result.stdout.fnmatch_lines(["*qametrics: all 4 SLOs met*"])


def test_a_receiver_that_sleeps_past_the_timeout_costs_only_the_timeout(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.delay = 8.0
    monkeypatch.setenv("SLACK_URL", receiver.url + SECRET_PATH)
    write_ini(pytester, "qametrics_export_timeout = 1", "qametrics_alert = slack ${SLACK_URL}")
    pytester.makepyfile(test_quick="def test_quick():\n    pass\n")
    # without a report dir or SLOs the run would export nothing; the alert targets fail runs
    started = time.monotonic()
    result = run_shop(pytester, p95=0.1)
    elapsed = time.monotonic() - started
    assert result.ret == 1  # the breach, not the export
    assert len(receiver.requests) == 1
    assert elapsed < 6.0, elapsed  # the run did not wait for the receiver's 8 s
    result.stdout.fnmatch_lines(
        ["ERROR qametrics export: slack ${SLACK_URL}: no answer within 1 s"]
    )
    assert "faultsecret" not in _everything_written(pytester, result)


def test_a_500_is_retried_once_then_reported_with_the_secret_url_masked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.status = 500
    monkeypatch.setenv("HOOK", receiver.url + SECRET_PATH)
    write_ini(pytester, "qametrics_alert = webhook ${HOOK} on=fail,pass")
    result = run_shop(pytester, "-n", "2", "--junitxml=junit.xml")
    assert result.ret == 0
    assert len(receiver.requests) == 2
    result.stdout.fnmatch_lines(
        ["ERROR qametrics export: webhook ${HOOK}: HTTP 500 Internal Server Error: ok"]
    )
    assert "faultsecret" not in _everything_written(pytester, result)


def test_connection_errors_never_show_the_webhook_path_or_the_routing_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("SLACK_URL", closed + SECRET_PATH)
    monkeypatch.setenv("PD_KEY", ROUTING_KEY)
    write_ini(
        pytester,
        "qametrics_alert =",
        "    slack ${SLACK_URL}",
        f"    pagerduty ${{PD_KEY}} url={closed}/v2/enqueue/{ROUTING_KEY}",
        f"    webhook {closed}{SECRET_PATH}?token=querysecret99",
    )
    result = run_shop(pytester, "-n", "2", p95=0.1)
    assert result.ret == 1
    errors = [line for line in result.outlines if line.startswith("ERROR qametrics export:")]
    shown = ["slack ${SLACK_URL}", "pagerduty ${PD_KEY}", f"webhook {closed}/***"]
    assert len(errors) == len(shown)
    for error, target in zip(errors, shown, strict=True):
        assert error.startswith(f"ERROR qametrics export: {target}: cannot connect"), error
    everything = _everything_written(pytester, result)
    for secret in ("faultsecret", ROUTING_KEY, "querysecret99", "/services/"):
        assert secret not in everything


def test_an_unset_secret_is_a_usage_error_naming_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QAMETRICS_UNSET_HOOK", raising=False)
    write_ini(pytester, "qametrics_alert = slack ${QAMETRICS_UNSET_HOOK} on=fail")
    result = run_shop(pytester, "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*qametrics_alert line 1 (slack): the environment variable QAMETRICS_UNSET_HOOK "
            "is not set (or empty)*"
        ]
    )
