"""SLOs on accuracy, escalation and custom metrics gate the run, serially and under xdist."""

from __future__ import annotations

import pytest

from .inner_runs import slo_section, write_ini

SUITE = """
import pytest

CASES = [("account", "account"), ("billing", "billing"), ("technical", "technical"),
         ("account", "billing"), ("general", "general"), ("account", "account"),
         ("billing", "account"), ("technical", "technical")]

@pytest.mark.slo(accuracy={accuracy}, min_class_recall=0.5)
@pytest.mark.parametrize("case", CASES)
def test_intents(accuracy_tracker, case):
    accuracy_tracker.record(*case)

@pytest.mark.slo(escalation_rate={escalation}, fcr_rate=0.5)
@pytest.mark.parametrize("case", range(8))
def test_conversations(escalation_tracker, case):
    outcome = "escalated_to_agent" if case < 3 else "resolved_automatically"
    escalation_tracker.record(outcome, resolution_time=30.0 + case)

@pytest.mark.slo(metric="cost_usd", sum="{cost}")
@pytest.mark.parametrize("case", range(4))
def test_llm_calls(metrics, case):
    metrics.record_tokens("gpt-4o", 1000, 500)
"""

PRICES = ("qametrics_token_prices =", "    gpt-4o input=2.50 output=10.00")
MODES = pytest.mark.parametrize("extra", [(), ("-n", "2")], ids=["serial", "xdist"])


@MODES
def test_met_tracker_slos_pass_with_the_seeds_numbers(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    write_ini(pytester, *PRICES)
    pytester.makepyfile(test_suite=SUITE.format(accuracy=0.75, escalation=0.4, cost="<=0.03"))
    result = pytester.runpytest(*extra)
    section = slo_section(result)
    assert "         accuracy accuracy = 75%, needs >= 75% (n=8, classifications)" in section
    assert (
        "         escalation escalation_rate = 37.5%, needs <= 40% (n=8, interactions)" in section
    )
    assert (
        "         metric[name=cost_usd] sum = 0.03, needs <= 0.03 (n=4, metric cost_usd)" in section
    )
    assert section[-1] == "qametrics: all 5 SLOs met"
    assert result.ret == pytest.ExitCode.OK


@MODES
def test_each_breached_tracker_slo_fails_the_run(
    pytester: pytest.Pytester, extra: tuple[str, ...]
) -> None:
    write_ini(pytester, *PRICES)
    pytester.makepyfile(test_suite=SUITE.format(accuracy=0.8, escalation=0.3, cost="<0.02"))
    result = pytester.runpytest(*extra)
    failed = [line for line in slo_section(result) if line.startswith("FAIL")]
    assert failed == [
        "FAIL     test_suite.py::test_conversations",
        "FAIL     test_suite.py::test_intents",
        "FAIL     test_suite.py::test_llm_calls",
    ]
    assert slo_section(result)[-1] == "qametrics: 3 of 5 SLOs failed"
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_ini_lines_judge_every_tracker_over_the_session(pytester: pytest.Pytester) -> None:
    write_ini(
        pytester,
        *PRICES,
        "qametrics_slo =",
        "    accuracy.f1_macro >= 0.9",
        "    escalation.automation_rate >= 0.5",
        "    metric[name=tokens_total].sum <= 10000",
    )
    pytester.makepyfile(test_suite=SUITE.format(accuracy=0.5, escalation=0.5, cost="<=1"))
    section = slo_section(pytester.runpytest())
    heads = [line for line in section[:6] if not line.startswith(" ")]
    assert heads == ["FAIL     session", "PASS     session", "PASS     session"]


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ('metric="cost_usd", sum=2.0', "a custom metric has no default direction"),
        ("sum=2.0", "unknown key 'sum'"),
        ('metric="cost_usd", f1_macro=0.8', "unknown key 'f1_macro'"),
        ('accuracy=0.9, operation="x"', "operation= selects latency samples"),
        ("escalation_rate=1.5", "is outside ?0, 1?"),  # fnmatch: ? stands for [ and ]
    ],
)
def test_a_wrong_tracker_key_is_a_collection_error_naming_the_test(
    pytester: pytest.Pytester, mark: str, message: str
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.slo({mark})
        def test_x():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"*test_a_wrong_tracker_key*::test_x: *{message}*"])


def test_a_bad_token_price_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_token_prices =", "    gpt-4o 2.50 10.00")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*qametrics_token_prices line 1 'gpt-4o 2.50 10.00'*"])
