"""parse_slo_line(s): ini lines become session SLOs; a bad line is named by number and quoted."""

from __future__ import annotations

import pytest

from pytest_qametrics.slo.lines import parse_slo_line, parse_slo_lines
from pytest_qametrics.slo.spec import SESSION, SloError, SloSpec


def test_a_plain_latency_line_becomes_a_session_spec() -> None:
    spec = parse_slo_line("latency.p95 <= 500ms", "here")
    assert spec == SloSpec(
        scope=SESSION, tracker="latency", statistic="p95", comparison="<=", threshold=0.5
    )
    assert spec.declared_at == "here"


def test_a_line_with_a_selector_and_options_carries_them() -> None:
    spec = parse_slo_line(
        "latency[operation=checkout].p99 < 1s min_samples=20 severity=warn", "here"
    )
    assert spec.operation == "checkout"
    assert spec.statistic == "p99"
    assert spec.comparison == "<"
    assert spec.threshold == 1.0
    assert spec.min_samples == 20
    assert spec.severity == "warn"
    assert spec.scope == SESSION


@pytest.mark.parametrize(
    ("line", "comparison", "threshold"),
    [
        ("latency.p95<=500ms", "<=", 0.5),
        ("latency.success_rate >= 99.5%", ">=", 0.995),
        ("latency.error_rate < 0.01", "<", 0.01),
        ("latency.max > 2", ">", 2.0),
        ("latency.mean <= 250us", "<=", 250e-6),
    ],
)
def test_the_operator_on_the_line_is_the_comparison(
    line: str, comparison: str, threshold: float
) -> None:
    spec = parse_slo_line(line, "here")
    assert spec.comparison == comparison
    assert spec.threshold == pytest.approx(threshold, rel=1e-12)


def test_options_may_come_in_any_order() -> None:
    first = parse_slo_line("latency.p95 <= 1s severity=warn min_samples=5", "a")
    second = parse_slo_line("latency.p95 <= 1s min_samples=5 severity=warn", "b")
    assert first == second


def test_comments_and_blank_lines_are_skipped_and_order_is_kept() -> None:
    specs = parse_slo_lines(
        [
            "# latency budget",
            "",
            "   ",
            "latency.p95 <= 500ms",
            "  # indented comment",
            "  latency.error_rate <= 0.01  ",
        ]
    )
    assert [s.statistic for s in specs] == ["p95", "error_rate"]


def test_each_spec_remembers_its_line_number() -> None:
    specs = parse_slo_lines(["", "latency.p95 <= 1s", "latency.p99 <= 2s"])
    assert "line 2" in specs[0].declared_at
    assert "line 3" in specs[1].declared_at


def test_no_lines_give_no_specs() -> None:
    assert parse_slo_lines([]) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("latncy.p95 <= 1s", "unknown tracker 'latncy'; did you mean 'latency'"),
        ("accuracyy.f1 >= 0.9", "unknown tracker 'accuracyy'"),
        ("latency.p59 <= 1s", "unknown latency statistic 'p59'; did you mean 'p95'"),
        ("latency.p95 500ms", "not an SLO line"),
        ("latency.p95 = 500ms", "not an SLO line"),
        ("latency p95 <= 500ms", "not an SLO line"),
        ("latency.p95 <=", "is not a threshold"),
        ("latency.p95 <= 5kg", "unit 'kg'"),
        ("latency.success_rate >= 5ms", "unit 'ms'"),
        ("latency.p95 <= -1s", "negative duration"),
        ("latency.p95 <= 1s colour=red", "'colour=red' is not one of the allowed"),
        ("latency.p95 <= 1s severty=warn", "did you mean 'severity'"),
        ("latency.p95 <= 1s warn", "'warn' is not one of the allowed"),
        ("latency[op=checkout].p95 <= 1s", "'op=checkout' is not one of the allowed"),
        ("latency[name=checkout].p95 <= 1s", "(operation)"),
        ("latency[operation=].p95 <= 1s", "operation must be a non-empty str"),
        ("latency.p95 <= 1s min_samples=abc", "min_samples must be an int >= 1, not 'abc'"),
        ("latency.p95 <= 1s min_samples=0", "min_samples must be an int >= 1, not 0"),
        ("latency.p95 <= 1s min_samples=2.5", "min_samples must be an int >= 1"),
        ("latency.p95 <= 1s severity=error", "severity must be 'fail' or 'warn'"),
    ],
)
def test_a_bad_line_is_an_error_naming_its_number_and_quoting_it(line: str, message: str) -> None:
    with pytest.raises(SloError) as caught:
        parse_slo_lines(["# first line is a comment", line])
    text = str(caught.value)
    assert text.startswith(f"qametrics_slo line 2 {line!r}: ")
    assert message in text


def test_the_first_bad_line_stops_parsing() -> None:
    with pytest.raises(SloError, match="line 2"):
        parse_slo_lines(["latency.p95 <= 1s", "latency.p95 <= 1kg", "nonsense"])


def test_a_missing_operator_error_shows_the_expected_syntax() -> None:
    with pytest.raises(SloError, match=r"expected tracker\[selector=value\]\.statistic <op>"):
        parse_slo_line("latency.p95 500ms", "here")


def test_an_evals_line_takes_k_for_pass_hat_k() -> None:
    spec = parse_slo_line("evals.pass_hat_k >= 70% k=4 confidence=0.9", "here")

    assert (spec.tracker, spec.statistic, spec.threshold, spec.k) == ("evals", "pass_hat_k", 0.7, 4)
    assert spec.name == "pass^4"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("evals.pass_hat_k >= 0.7", "pass_hat_k is the chance over k tries, so it needs k="),
        ("evals.pass_rate >= 0.7 k=4", "k=4 goes with pass_at_k or pass_hat_k"),
        ("evals.pass_at_k >= 0.7 k=0", "k must be an int >= 1"),
        ("evals.pass_at_k >= 0.7 k=four", "k must be an int >= 1, not 'four'"),
        ("evals.flaky_cases <= 0 confidence=0.9", "put it in an slo mark of its own"),
    ],
)
def test_a_bad_evals_line_is_refused_with_the_fix(line: str, message: str) -> None:
    with pytest.raises(SloError) as raised:
        parse_slo_line(line, "qametrics_slo line 1")
    assert message in str(raised.value)
    assert str(raised.value).startswith("qametrics_slo line 1")
