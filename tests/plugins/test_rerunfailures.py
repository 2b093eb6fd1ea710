"""pytest-rerunfailures: a rerun test counts once, with its final attempt's samples by default."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from .peers import MODES, read_report, slo_by_scope, write_ini

# Ten cases, five of which fail their first attempt and pass the second. A first attempt is
# slow (5 s) and a final one fast, so which attempts were pooled shows in the observed p95.
FLAKY = """
import pathlib

import pytest

@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("case", range(10))
def test_case(case, latency_tracker):
    seen = pathlib.Path(__file__).parent / f"attempted-{case}"
    first = case % 2 == 0 and not seen.exists()
    latency_tracker.record("call", 5.0 if first else 0.01 * (case + 1))
    if first:
        seen.write_text("")
        raise AssertionError("the first attempt fails")
"""

RUN = ("--reruns", "1", "--qametrics-report", "--qametrics-report-dir=r")
GROUP = "test_flaky.py::test_case"


@MODES
def test_a_case_that_fails_once_counts_only_its_final_attempt(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("rerunfailures",))
    pytester.makepyfile(test_flaky=FLAKY)

    result = pytester.runpytest(*RUN, *mode)

    assert result.parseoutcomes() == {"passed": 10, "rerun": 5}
    assert result.ret == pytest.ExitCode.OK
    report = read_report(pytester.path / "r")
    # ten cases, one sample each: not the 20 the attempts used to add up to
    assert slo_by_scope(report)[GROUP] == (0.1, 10, "pass")
    result.stdout.fnmatch_lines(
        ["qametrics: left out 5 samples of 5 earlier attempts of rerun tests (*"]
    )
    outcomes = sorted(test["outcome"] for test in report["tests"])
    assert outcomes == ["passed"] * 10 + ["rerun"] * 5
    schema = json.loads((resources.files("pytest_qametrics.report") / "schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)  # "rerun" is a known outcome


@MODES
def test_qametrics_rerun_samples_all_counts_the_slow_failed_attempts_too(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("rerunfailures",), "qametrics_rerun_samples = all")
    pytester.makepyfile(test_flaky=FLAKY)

    result = pytester.runpytest(*RUN, *mode)

    assert result.parseoutcomes() == {"passed": 10, "rerun": 5}
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # fifteen attempts, each with its own sample; the five slow ones breach p95 <= 1 s
    assert slo_by_scope(read_report(pytester.path / "r"))[GROUP] == (5.0, 15, "fail")
    assert "left out" not in result.stdout.str()


@MODES
def test_the_final_attempt_counts_once_when_every_attempt_fails(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_ini(pytester, ("rerunfailures",))
    pytester.makepyfile(
        test_broken="""
        import pytest

        @pytest.mark.slo(p95=1.0)
        def test_broken(latency_tracker):
            latency_tracker.record("call", 0.25)
            latency_tracker.record("call", 0.5)
            raise AssertionError("always fails")
        """
    )

    result = pytester.runpytest(
        "--reruns", "2", "--qametrics-report", "--qametrics-report-dir=r", *mode
    )

    assert result.parseoutcomes() == {"failed": 1, "rerun": 2}
    assert slo_by_scope(read_report(pytester.path / "r"))["test_broken.py::test_broken"] == (
        0.5,
        2,
        "pass",
    )
    result.stdout.fnmatch_lines(["qametrics: left out 4 samples of 2 earlier attempts *"])


def test_an_unknown_qametrics_rerun_samples_value_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, ("rerunfailures",), "qametrics_rerun_samples = last")
    pytester.makepyfile("def test_nothing(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*qametrics_rerun_samples = 'last' is not valid; choose one of: final, all*"]
    )
