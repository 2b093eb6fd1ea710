"""summary_lines: one explained entry per SLO and a closing total that a CI log reader can trust."""

from __future__ import annotations

import re

import pytest

from pytest_qametrics.judge.evaluation import Policy, Verdict, gate_outcome
from pytest_qametrics.judge.observations import FROM_CALLS, FROM_SAMPLES
from pytest_qametrics.report.terminal import format_value, summary_lines
from pytest_qametrics.slo.spec import SESSION, SloSpec

GROUP = "tests/test_api.py::test_checkout"
P95 = SloSpec(GROUP, "latency", "p95", "<=", 0.5)
P95_WARN = SloSpec(GROUP, "latency", "p95", "<=", 0.5, severity="warn")
SUCCESS = SloSpec(SESSION, "latency", "success_rate", ">=", 0.995, operation="pay")


def entry_for(verdicts: list[Verdict]) -> list[str]:
    """The lines explaining the one verdict given: label and scope, then what was seen."""
    return lines_for(verdicts)[:-1]


def lines_for(verdicts: list[Verdict], gate: str = "enforce", policy: Policy = "fail") -> list[str]:
    return summary_lines(verdicts, gate_outcome(verdicts, policy), gate)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 s"),
        (0.00025, "250 us"),
        (0.0000015, "1.5 us"),
        (0.001, "1 ms"),
        (0.5, "500 ms"),
        (0.1234567, "123.5 ms"),
        (1.0, "1 s"),
        (2.5, "2.5 s"),
        (125.0, "125 s"),
    ],
)
def test_durations_are_shown_in_us_ms_or_s(seconds: float, text: str) -> None:
    assert format_value(seconds, P95) == text


@pytest.mark.parametrize(
    ("rate", "text"), [(0.995, "99.5%"), (1.0, "100%"), (0.0, "0%"), (0.12345, "12.35%")]
)
def test_rates_are_shown_as_percentages(rate: float, text: str) -> None:
    assert format_value(rate, SUCCESS) == text


def test_the_last_line_counts_the_failed_slos() -> None:
    lines = lines_for(
        [Verdict(P95, "fail", 1.2, 20, FROM_SAMPLES), Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES)]
    )
    assert lines[-1] == "qametrics: 1 of 2 SLOs failed"


def test_the_last_line_says_all_met_when_every_slo_passed() -> None:
    verdict = Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES)
    assert lines_for([verdict, verdict])[-1] == "qametrics: all 2 SLOs met"


def test_the_last_line_says_how_many_failed_for_lack_of_data() -> None:
    verdicts = [
        Verdict(P95, "no_data", None, 0, FROM_SAMPLES, "0 samples, needs some"),
        Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES),
    ]
    last = lines_for(verdicts)[-1]
    assert last.startswith("qametrics: 1 of 2 SLOs failed (1 ")
    assert "data" in last


def test_no_data_under_the_pass_policy_is_not_called_met() -> None:
    verdicts = [
        Verdict(P95, "no_data", None, 0, FROM_SAMPLES, "0 samples, needs some"),
        Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES),
    ]
    last = lines_for(verdicts, policy="pass")[-1]
    assert "all 2 SLOs met" not in last
    assert "data" in last


def test_a_skipped_slo_is_not_called_met() -> None:
    verdicts = [
        Verdict(P95, "skipped", None, 0, "-", "every test of the group was skipped"),
        Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES),
    ]
    last = lines_for(verdicts)[-1]
    assert "all 2 SLOs met" not in last
    assert "skipped" in last


def test_the_last_line_mentions_warnings_without_counting_them_as_failures() -> None:
    verdicts = [
        Verdict(P95_WARN, "warn", 1.2, 20, FROM_SAMPLES),
        Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES),
    ]
    last = lines_for(verdicts)[-1]
    assert re.search(r"[1-9]\d* of \d+ SLOs failed", last) is None
    assert "warn" in last
    verdicts.append(Verdict(P95, "fail", 0.9, 20, FROM_SAMPLES))
    last = lines_for(verdicts)[-1]
    assert last.startswith("qametrics: 1 of 3 SLOs failed")
    assert "warn" in last


def test_under_the_warn_gate_the_last_line_says_the_exit_code_is_unchanged() -> None:
    lines = lines_for([Verdict(P95, "fail", 1.2, 20, FROM_SAMPLES)], gate="warn")
    assert lines[-1] == (
        "qametrics: 1 of 1 SLOs failed (--qametrics-gate=warn: the exit code is unchanged)"
    )


def test_the_warn_gate_note_is_absent_when_nothing_failed() -> None:
    lines = lines_for([Verdict(P95, "pass", 0.1, 20, FROM_SAMPLES)], gate="warn")
    assert "exit code" not in lines[-1]


def test_a_judged_slo_shows_label_scope_value_threshold_n_and_source() -> None:
    head, body, *_details = entry_for([Verdict(P95, "fail", 1.2, 20, FROM_CALLS)])
    assert head == f"FAIL     {GROUP}"
    assert body == "         latency p95 = 1.2 s, needs <= 500 ms (n=20, call durations)"


def test_a_rate_slo_with_an_operation_shows_its_target_and_percentages() -> None:
    head, body, *_details = entry_for([Verdict(SUCCESS, "pass", 0.999, 1000, FROM_SAMPLES)])
    assert head == f"PASS     {SESSION}"
    assert body.strip() == (
        "latency[operation=pay] success_rate = 99.9%, needs >= 99.5% (n=1000, latency samples)"
    )


def test_an_slo_without_a_value_shows_the_reason() -> None:
    verdict = Verdict(P95, "no_data", None, 3, FROM_SAMPLES, "3 samples, needs at least 20")
    head, body, *_details = entry_for([verdict])
    assert head.startswith("NO DATA ")
    assert body.strip() == "latency p95 <= 500 ms: 3 samples, needs at least 20"


def test_a_skipped_slo_is_labelled_skipped_with_its_reason() -> None:
    verdict = Verdict(P95, "skipped", None, 0, "-", "every test of the group was skipped")
    head, body, *_details = entry_for([verdict])
    assert head.startswith("SKIPPED ")
    assert body.endswith("every test of the group was skipped")


def test_a_warn_severity_slo_is_marked_as_such() -> None:
    head, *rest = entry_for([Verdict(P95_WARN, "warn", 1.2, 20, FROM_SAMPLES)])
    assert head.startswith("WARN     ")
    assert any("severity=warn" in line for line in rest)


def test_each_verdict_starts_with_its_label_and_the_total_comes_last() -> None:
    verdicts = [
        Verdict(P95, "pass", 0.1, 5, FROM_SAMPLES),
        Verdict(P95, "fail", 2.0, 5, FROM_SAMPLES),
        Verdict(P95, "pass", 0.2, 5, FROM_SAMPLES),
    ]
    lines = lines_for(verdicts)
    heads = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert heads == ["PASS", "FAIL", "PASS", "qametrics:"]
    assert lines[-1].startswith("qametrics: ")
