"""stop_early=True skips a group's remaining trials once its confidence sequence is settled."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jsonschema
import pytest
from inner_projects import read_report, write_ini

SUITE = """
import random
import time
import pytest

RATES = {{"refund": {p}, "hours": {p}, "complaint": {p}, "greeting": {p}}}

@pytest.mark.parametrize("case", sorted(RATES))
@pytest.mark.slo(group="agent", {slo}, confidence=0.95, stop_early={early}, trials=50)
def test_agent(case, qametrics_trial):
    time.sleep(0.005)  # an agent's answer takes a while; decisions reach workers meanwhile
    draw = random.Random(f"{{case}}-{{qametrics_trial}}").random()
    assert draw < RATES[case]
"""
RUNS = pytest.mark.parametrize("run", [(), ("-n", "2")], ids=["serial", "two_workers"])


def suite(p: float, slo: str = "pass_rate=0.6", early: bool = True) -> str:
    return SUITE.format(p=p, slo=slo, early=early)


def schema_problems(report: dict[str, Any]) -> list[str]:
    text = (resources.files("pytest_qametrics.report") / "schema.json").read_text("utf-8")
    validator = jsonschema.Draft202012Validator(json.loads(text))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]


def skipped_reasons(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("SKIPPED")]


@RUNS
def test_a_clearly_met_slo_is_decided_early_and_the_rest_of_the_group_is_skipped(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=suite(0.97))

    result = pytester.runpytest(*run, "-rs", "--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] >= 100, outcomes  # at least half of the 200 trials saved
    (reason,) = skipped_reasons(result.outlines)
    decided = re.search(r"qametrics: decided after (\d+) of 200 trials", reason)
    assert decided is not None, reason
    saved = re.search(
        r"agent was decided after (\d+) trials; (\d+) items saved", result.stdout.str()
    )
    assert saved is not None, result.outlines
    assert saved.group(1) == decided.group(1)
    assert int(saved.group(2)) == outcomes["skipped"]
    report = read_report(pytester.path / "r")
    assert schema_problems(report) == []
    assert report["stopped"] == {
        "early": [
            {"group": "agent", "decided_after": int(decided.group(1)), "saved": outcomes["skipped"]}
        ],
        "budgets": [],
        "not_started": [],
    }
    (slo,) = report["slos"]
    assert (slo["verdict"], slo["n"]) == (
        "pass",
        outcomes.get("passed", 0) + outcomes.get("failed", 0),
    )
    assert slo["interval"]["low"] >= 0.6


@RUNS
def test_a_clear_breach_is_decided_early_and_fails_the_run(
    pytester: pytest.Pytester, run: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=suite(0.2, "pass_hat_k=0.7, k=2"))

    result = pytester.runpytest(*run, "-rs")

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.outlines
    assert result.parseoutcomes()["skipped"] >= 100
    assert "FAIL     agent" in result.stdout.str()
    assert "evals pass^2 = " in result.stdout.str()
    assert "items saved" in result.stdout.str()


def test_an_slo_at_its_threshold_is_never_decided_and_every_trial_runs(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=suite(0.6))

    result = pytester.runpytest()

    assert "skipped" not in result.parseoutcomes()
    assert "items saved" not in result.stdout.str()
    assert "UNSURE   agent" in result.stdout.str()
    assert (
        "the confidence sequence did not settle on 200 trials; it needs at least 11 trials in a "
        "row that pass to show it above 0.6, or 6 that fail to show it below"
    ) in result.stdout.str()


def test_without_stop_early_every_trial_runs(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_agent=suite(0.97, early=False))

    result = pytester.runpytest()

    outcomes = result.parseoutcomes()
    assert "skipped" not in outcomes
    assert outcomes["passed"] + outcomes.get("failed", 0) == 200
    assert "items saved" not in result.stdout.str()
