"""A run that judged no SLO says "not judged" in every report, never a green pass."""

from __future__ import annotations

import pytest

from .projects import PASSING, run_project


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        pytest.param(("--collect-only", "-q"), pytest.ExitCode.OK, id="collect-only"),
        pytest.param(("-k", "no_such_test"), pytest.ExitCode.NO_TESTS_COLLECTED, id="exit-5"),
    ],
)
def test_a_run_that_judged_nothing_reports_not_judged_instead_of_pass(
    pytester: pytest.Pytester, args: tuple[str, ...], exit_code: pytest.ExitCode
) -> None:
    run = run_project(pytester, PASSING, *args)

    assert run.result.ret == exit_code
    assert run.report["summary"]["verdict"] == "not_judged"
    page = run.html.read_text("utf-8")
    assert '<section class="hero not-judged"' in page
    assert "NOT JUDGED" in page
    assert ">PASS<" not in page


def test_a_run_that_judged_slos_still_reports_pass(pytester: pytest.Pytester) -> None:
    run = run_project(pytester, PASSING)

    assert run.report["summary"]["verdict"] == "pass"
