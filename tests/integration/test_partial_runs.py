"""A deliberately partial run judges what ran, says so, and skips what it left out."""

from __future__ import annotations

import pytest

from .inner_runs import BASE_ADDOPTS, slo_section, write_ini

SUITE = """
import pytest

@pytest.mark.slo(p95=1.0)
def test_fast(latency_tracker):
    latency_tracker.record("lookup", 0.1)

@pytest.mark.slo(p95=0.01)
def test_slow_never_selected(latency_tracker):
    latency_tracker.record("lookup", 0.5)

def test_plain():
    pass
"""
#: A session SLO that only test_intent feeds: a run without test_intent has no data for it.
SESSION_SLO = ("qametrics_slo =", "    accuracy.accuracy >= 0.9")
INTENT = """
def test_intent(accuracy_tracker):
    accuracy_tracker.record("billing", "billing")
"""

SKIPPED_SESSION = [
    "SKIPPED  session",
    "         accuracy accuracy >= 90%: not judged: no data from the 1 of 4 tests that ran",
]
PASSED_FAST = [
    "PASS     test_suite.py::test_fast",
    "         latency p95 = 100 ms, needs <= 1 s (n=1, latency samples)",
]
SKIPPED_SLOW = [
    "SKIPPED  test_suite.py::test_slow_never_selected",
    "         latency p95 <= 10 ms: not judged: its tests were not selected (-k, -m, "
    "--deselect, --lf, --sw or node ids)",
]


def _project(pytester: pytest.Pytester, *ini: str) -> None:
    write_ini(pytester, *SESSION_SLO, *ini)
    pytester.makepyfile(test_suite=SUITE, test_intent=INTENT)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-k", "fast"), id="-k"),
        pytest.param(
            (
                "--deselect=test_suite.py::test_slow_never_selected",
                "--deselect=test_suite.py::test_plain",
                "--deselect=test_intent.py::test_intent",
            ),
            id="--deselect",
        ),
        pytest.param(("-k", "fast", "-n", "2"), id="-k under xdist"),
    ],
)
def test_deselected_tests_leave_their_slos_skipped_and_the_run_green(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    _project(pytester)

    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result) == [
        *SKIPPED_SESSION,
        *PASSED_FAST,
        *SKIPPED_SLOW,
        "qametrics: 3 SLOs: 1 met, 2 skipped",
    ]
    assert "qametrics: judged on 1 of 4 tests (selection)" in result.outlines


def test_a_complete_run_without_data_still_fails(pytester: pytest.Pytester) -> None:
    _project(pytester)
    (pytester.path / "test_intent.py").unlink()

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result)[0] == "NO DATA  session"
    assert not [line for line in result.outlines if line.startswith("qametrics: judged on")]


def test_exitfirst_lists_the_slos_of_tests_that_never_started_as_skipped(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_order="""
        import pytest

        def test_1_fails():
            assert False

        @pytest.mark.slo(p95=0.1)
        def test_2_never_runs(latency_tracker):
            latency_tracker.record("lookup", 0.5)
        """
    )

    result = pytester.runpytest("-x")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result) == [
        "SKIPPED  test_order.py::test_2_never_runs",
        "         latency p95 <= 100 ms: not judged: the run stopped before its tests",
        "qametrics: 1 SLO: 1 skipped",
    ]
    note = "qametrics: judged on 1 of 2 tests (the run stopped after 1 of 2 selected tests)"
    assert note in result.outlines


def test_one_node_id_is_judged_on_itself_and_says_so(pytester: pytest.Pytester) -> None:
    _project(pytester)

    result = pytester.runpytest("test_suite.py::test_fast")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result)[:4] == [
        "SKIPPED  session",
        "         accuracy accuracy >= 90%: not judged: no data from the 1 test that ran "
        "(node ids, --lf or a subdirectory chose them)",
        *PASSED_FAST,
    ]
    assert "qametrics: judged on 1 of 3 tests (selection)" in result.outlines


@pytest.mark.parametrize(
    ("option", "exit_code"),
    [("--lf", pytest.ExitCode.TESTS_FAILED), ("--sw", pytest.ExitCode.INTERRUPTED)],
)
def test_last_failed_and_stepwise_reruns_skip_the_slos_they_left_out(
    pytester: pytest.Pytester, option: str, exit_code: pytest.ExitCode
) -> None:
    addopts = BASE_ADDOPTS.replace(" -p no:cacheprovider", "")
    pytester.makeini("\n".join(["[pytest]", f"addopts = {addopts}", *SESSION_SLO, ""]))
    broken = SUITE.replace("def test_plain():\n    pass", "def test_broken():\n    assert False")
    pytester.makepyfile(test_suite=broken, test_intent=INTENT)
    assert pytester.runpytest(option).ret == exit_code

    result = pytester.runpytest(option)  # only test_broken runs (--sw: starts there)

    assert result.ret == exit_code
    section = slo_section(result)
    assert section[0] == "SKIPPED  session"
    assert "SKIPPED  test_suite.py::test_fast" in section
    assert [line for line in result.outlines if line.startswith("qametrics: judged on 1 ")]


def test_starting_in_a_subdirectory_says_the_run_is_partial(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(pytester)
    sub = pytester.mkpydir("sub")
    (sub / "test_sub.py").write_text("def test_here():\n    pass\n", "utf-8")
    monkeypatch.chdir(sub)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result)[0] == "SKIPPED  session"
    assert "qametrics: judged on 1 test (selection: node ids, --lf or a subdirectory)" in (
        result.outlines
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--import-mode=importlib",), id="importlib"),
        pytest.param(("--strict-config", "--strict-markers"), id="strict"),
        pytest.param(("-p", "no:cacheprovider"), id="no-cacheprovider"),
    ],
)
def test_other_run_options_judge_a_complete_run_as_usual(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    _project(pytester)
    (pytester.path / "test_suite.py").write_text(
        SUITE.replace("p95=0.01", "p95=1.0"), encoding="utf-8"
    )

    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert slo_section(result)[-1] == "qametrics: all 3 SLOs met"
    assert not [line for line in result.outlines if line.startswith("qametrics: judged on")]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-k", "first"), id="-k"),
        pytest.param(("test_plain.py::test_first",), id="node id"),
        pytest.param(("-x",), id="-x"),
    ],
)
def test_a_partial_run_that_records_and_declares_nothing_prints_nothing_of_ours(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_plain="""
        def test_first():
            assert False

        def test_second():
            pass
        """
    )

    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result) == []
    assert not [line for line in result.outlines if line.startswith("qametrics")]
