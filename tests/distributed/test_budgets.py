"""Cost budgets: once the recorded cost_usd reaches a budget, tests not yet started are skipped."""

from __future__ import annotations

import pytest
from inner_projects import read_report, write_ini

PAID = """
import pytest

@pytest.mark.parametrize("case", range(20))
@pytest.mark.slo(metric="cost_usd", mean="<=0.02", min_samples={min_samples}{group_budget})
def test_paid(metrics, case):
    metrics.record("cost_usd", 0.01)

def test_free():
    pass
"""


def paid(min_samples: int = 1, group_budget: str = "") -> str:
    return PAID.format(min_samples=min_samples, group_budget=group_budget)


@pytest.mark.parametrize("run", [(), ("-n", "2")], ids=["serial", "two_workers"])
def test_the_session_budget_stops_new_tests_and_names_them(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester, "qametrics_budget_usd = 0.05")
    pytester.makepyfile(test_paid=paid())

    result = pytester.runpytest(*run, "-rs", "--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] >= 10, outcomes  # 5 paid tests reach $0.05; a few more may run
    text = result.stdout.str()
    assert "qametrics: budget spent: $0.05 of cost_usd recorded reached" in text
    assert "qametrics_budget_usd = $0.05; not started" in text
    assert f"{outcomes['skipped']} tests not started: test_paid.py::test_paid[" in text
    assert "their SLOs are judged on what was recorded" in text
    report = read_report(pytester.path / "r")
    ran = [t for t in report["tests"] if "test_paid[" in t["nodeid"] and t["outcome"] == "passed"]
    (slo,) = report["slos"]
    assert (slo["verdict"], slo["n"]) == ("pass", len(ran))
    stopped = report["stopped"]
    assert stopped["early"] == []
    (budget,) = stopped["budgets"]
    assert (budget["scope"], budget["limit_usd"]) == ("session", 0.05)
    assert budget["spent_usd"] >= 0.05
    assert len(stopped["not_started"]) == outcomes["skipped"]
    assert len(ran) >= 5


def test_a_budget_that_cuts_an_slo_short_of_its_samples_fails_the_run(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_budget_usd = 0.05")
    pytester.makepyfile(test_paid=paid(min_samples=20))

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.outlines
    assert "NO DATA" in result.stdout.str()
    assert "tests not started" in result.stdout.str()


def test_a_group_budget_skips_only_that_group(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_paid=paid(group_budget=", budget_usd=0.03"))

    result = pytester.runpytest("-rs")

    outcomes = result.parseoutcomes()
    assert outcomes == {"passed": 4, "skipped": 17}, result.outlines
    assert "budget_usd of test_paid.py::test_paid = $0.03" in result.stdout.str()


def test_no_budget_means_nothing_is_skipped(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_paid=paid())

    result = pytester.runpytest()

    assert result.parseoutcomes() == {"passed": 21}
    assert "not started" not in result.stdout.str()


@pytest.mark.parametrize("value", ["0", "-1", "five", "inf", "nan"])
def test_a_bad_budget_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    write_ini(pytester, f"qametrics_budget_usd = {value}")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "qametrics_budget_usd" in result.stderr.str()
    assert "use an amount in USD above 0, e.g. 5.00" in result.stderr.str()


def test_the_cost_of_each_case_is_judged_on_its_own_with_per_case(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_cost="""
        import pytest

        @pytest.mark.parametrize("case", ["refund", "hours"])
        @pytest.mark.slo(metric="cost_usd", mean="<=0.02", per="case", trials=3)
        def test_cost(metrics, case, qametrics_trial):
            metrics.record("cost_usd", 0.01 if case == "hours" else 0.03, case=case)
        """
    )

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    slos = read_report(pytester.path / "r")["slos"]
    assert [(s["part"], s["verdict"], s["observed"], s["n"]) for s in slos] == [
        ("hours", "pass", pytest.approx(0.01), 3),
        ("refund", "fail", pytest.approx(0.03), 3),
    ]
