"""Trials: slo(trials=N), qametrics_trials and pytest-repeat's --count; test outcomes as trials."""

from __future__ import annotations

from typing import Any

import pytest
from inner_projects import read_report, write_ini

AGENT = """
import pytest

ANSWERS = {"refund": [1, 1, 0, 1], "hours": [1, 1, 1, 1], "complaint": [0, 0, 0, 0]}

@pytest.mark.parametrize("case", sorted(ANSWERS))
@pytest.mark.slo(group="agent", pass_rate=0.5, pass_hat_k=0.3, k=2, trials=4)
@pytest.mark.slo(group="agent", flaky_cases=0)
def test_agent(case, qametrics_trial):
    assert ANSWERS[case][qametrics_trial - 1]
"""


def evals_row(report: dict[str, Any], scope: str = "agent") -> dict[str, Any]:
    (row,) = [r for r in report["series"] if r["tracker"] == "evals" and r["scope"] == scope]
    found: dict[str, Any] = row
    return found


def judged(report: dict[str, Any]) -> list[tuple[str, str, float | None, int]]:
    return [(s["statistic"], s["verdict"], s["observed"], s["n"]) for s in report["slos"]]


@pytest.mark.parametrize("run", [(), ("-n", "2")], ids=["serial", "two_workers"])
def test_each_case_runs_trials_times_and_the_outcomes_are_judged_the_same_either_way(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=AGENT)

    result = pytester.runpytest(*run, "--qametrics-report", "--qametrics-report-dir=r")

    result.assert_outcomes(passed=7, failed=5)
    report = read_report(pytester.path / "r")
    # refund 3/4, hours 4/4, complaint 0/4: pass^2 = (C(3,2)/C(4,2) + 1 + 0) / 3
    assert sorted(judged(report)) == [
        ("flaky_cases", "fail", 1.0, 12),
        ("pass_hat_k", "pass", pytest.approx((0.5 + 1 + 0) / 3), 12),
        ("pass_rate", "pass", pytest.approx((0.75 + 1 + 0) / 3), 12),
    ]
    details = evals_row(report)["details"]
    assert details["flaky"] == [
        {"case": "test_agent.py::test_agent[refund]", "passed": 3, "trials": 4}
    ]
    assert (details["cases"], details["trials"], details["passed"]) == (3, 12, 7)
    assert "evals pass^2 = 50%" in result.stdout.str()
    assert "flaky: test_agent.py::test_agent[refund] (3 of 4)" in result.stdout.str()


def test_trial_items_are_named_by_case_and_trial_and_run_round_by_round(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=AGENT)

    result = pytester.runpytest("--collect-only", "-q")

    names = [line for line in result.outlines if "::" in line]
    assert names[:4] == [
        "test_agent.py::test_agent[complaint-trial1]",
        "test_agent.py::test_agent[hours-trial1]",
        "test_agent.py::test_agent[refund-trial1]",
        "test_agent.py::test_agent[complaint-trial2]",
    ]
    assert len(names) == 12


def test_the_ini_default_trials_apply_to_functions_with_an_evals_slo_only(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_trials = 3")
    pytester.makepyfile(
        test_mixed="""
        import pytest

        @pytest.mark.slo(pass_rate=0.5)
        def test_agent():
            pass

        @pytest.mark.slo(p95=1.0)
        def test_api():
            pass
        """
    )

    result = pytester.runpytest("--collect-only", "-q")

    names = [line for line in result.outlines if "::" in line]
    assert names == [
        "test_mixed.py::test_agent[trial1]",
        "test_mixed.py::test_agent[trial2]",
        "test_mixed.py::test_agent[trial3]",
        "test_mixed.py::test_api",
    ]


def test_pytest_repeat_counts_repeats_as_trials_of_one_case(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_repeat="""
        import itertools
        import pytest

        seen = itertools.count()

        @pytest.mark.parametrize("case", ["a", "b"])
        @pytest.mark.slo(pass_hat_k=0.1, k=3)
        def test_agent(case):
            assert next(seen) % 3 != 0 or case == "b"
        """
    )

    result = pytester.runpytest(
        "-p", "repeat", "--count", "3", "--qametrics-report", "--qametrics-report-dir=r"
    )

    report = read_report(pytester.path / "r")
    details = evals_row(report, "test_repeat.py::test_agent")["details"]
    assert (details["cases"], details["trials"]) == (2, 6), result.outlines
    assert judged(report)[0][0] == "pass_hat_k"
    assert judged(report)[0][3] == 6


def test_errors_and_skips_are_reported_but_never_counted_as_failed_trials(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_outcomes="""
        import pytest

        @pytest.fixture
        def broken(qametrics_trial):
            if qametrics_trial == 2:
                raise RuntimeError("the sandbox did not start")

        @pytest.mark.slo(pass_rate=1.0, trials=4)
        def test_agent(broken, qametrics_trial):
            if qametrics_trial == 3:
                pytest.skip("rate limited")
        """
    )

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r")

    result.assert_outcomes(passed=2, skipped=1, errors=1)
    report = read_report(pytester.path / "r")
    details = evals_row(report, "test_outcomes.py::test_agent")["details"]
    assert (details["trials"], details["passed"], details["errors"], details["skipped"]) == (
        2,
        2,
        1,
        1,
    )
    assert judged(report) == [("pass_rate", "pass", 1.0, 2)]


@pytest.mark.parametrize(
    ("source", "ini", "message"),
    [
        ("trials=0", (), "trials must be an int >= 1 such as trials=8, not 0"),
        ("trials=2.5", (), "trials must be an int >= 1"),
        ("k=4, trials=2", (), "k=4 tries cannot be judged on trials=2"),
        ("budget_usd=-1", (), "budget_usd must be a number > 0"),
        ("k=4", ("qametrics_trials = 2",), "k=4 tries cannot be judged on qametrics_trials = 2"),
    ],
)
def test_bad_trials_are_a_collection_error_naming_the_test_and_the_fix(
    pytester: pytest.Pytester, source: str, ini: tuple[str, ...], message: str
) -> None:
    write_ini(pytester, *ini)
    pytester.makepyfile(
        test_bad=f"""
        import pytest

        @pytest.mark.slo(pass_hat_k=0.5, {source})
        def test_agent():
            pass
        """.replace("pass_hat_k=0.5, k=4, k=4", "pass_hat_k=0.5, k=4")
        .replace("pass_hat_k=0.5, trials", "pass_hat_k=0.5, k=1, trials")
        .replace("pass_hat_k=0.5, budget", "pass_hat_k=0.5, k=1, budget")
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED, result.outlines
    assert message in result.stdout.str()
    assert "test_bad.py::test_agent" in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_a_bad_qametrics_trials_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_trials = many")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "qametrics_trials = 'many' is not valid; use a whole number from 1 to 100,000" in (
        result.stderr.str()
    )
