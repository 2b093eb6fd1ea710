"""Real pytest runs appending to one history file, gated on regressions against earlier runs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from pytest_qametrics.judge.series import row_trend_key

from .projects import HISTORY, checkout_suite, read_report, slo_section, write_ini

GROUP = "test_api.py::test_checkout"


def test_a_slowdown_beyond_the_tolerance_fails_against_the_last_run(
    pytester: pytest.Pytester,
) -> None:
    checkout_suite(pytester, factor=1.0, seed=1)
    pytester.runpytest(HISTORY)
    checkout_suite(pytester, factor=1.3, seed=2)  # new draws from a 30% slower distribution

    result = pytester.runpytest(HISTORY)

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(result)[0] == f"FAIL     {GROUP}"
    result.stdout.fnmatch_lines(
        [
            "         latency[[]operation=checkout] p95_regression = *% worse, needs <= 10% "
            "(n=400, latency samples)",
            "         p95 +*% vs baseline run 1 (* ms -> * ms; p<0.001, bootstrap of histograms)",
            "qametrics: 1 of 1 SLOs failed",
            "qametrics: recorded run 2 in *h.db",
        ]
    )


def test_the_same_slowdown_within_noise_passes(pytester: pytest.Pytester) -> None:
    checkout_suite(pytester, factor=1.0, seed=5, n=30, sigma=0.5)
    pytester.runpytest(HISTORY)
    checkout_suite(pytester, factor=1.3, seed=9, n=30, sigma=0.5)  # 30% slower, 30 samples

    result = pytester.runpytest(HISTORY)

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            f"PASS     {GROUP}",
            "*p95_regression = 38.93% worse, needs <= 10% (n=30, latency samples)",
            "*p95 +38.9% vs baseline run 1 (*; p=0.27, bootstrap of histograms): not significant "
            "at 95%",
        ]
    )


def test_a_missing_baseline_is_no_data_and_explains_how_to_make_one(
    pytester: pytest.Pytester,
) -> None:
    checkout_suite(pytester)

    without_history = pytester.runpytest()
    first_run = pytester.runpytest(HISTORY)

    assert without_history.ret == first_run.ret == pytest.ExitCode.TESTS_FAILED
    assert slo_section(without_history)[:2] == [
        f"NO DATA  {GROUP}",
        "         latency[operation=checkout] p95_regression <= 10%: no baseline to compare "
        "with: run once with --qametrics-history=PATH to record one (later runs compare with "
        "the latest earlier run), or pass --qametrics-baseline=path/to/report.json",
    ]
    first_run.stdout.fnmatch_lines(
        [
            f"NO DATA  {GROUP}",
            "*p95_regression <= 10%: no baseline yet: *h.db holds no earlier finished run; this "
            "run is recorded in it now, so the next run compares with it",
            "qametrics: recorded run 1 in *h.db",
        ]
    )


def test_no_data_warn_lets_the_first_run_of_a_new_history_pass(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    checkout_suite(pytester)
    assert pytester.runpytest(HISTORY).ret == pytest.ExitCode.OK


def test_a_corrupt_history_file_keeps_the_reports_and_the_exit_code(
    pytester: pytest.Pytester,
) -> None:
    checkout_suite(pytester, slo="p95=1.0, p95_regression='10%'")
    write_ini(pytester, "qametrics_no_data = warn")
    (pytester.path / "h.db").write_bytes(b"this is not SQLite\n" * 500)

    plain = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=plain")
    damaged = pytester.runpytest(HISTORY, "--qametrics-report", "--qametrics-report-dir=damaged")

    assert plain.ret == damaged.ret == pytest.ExitCode.OK
    damaged.stdout.fnmatch_lines(
        [
            "ERROR    qametrics history: *h.db is not a pytest-qametrics history file (SQLite "
            "says: file is not a database)*; the run was not recorded (its reports and exit "
            "code are as without --qametrics-history)",
        ]
    )
    report = read_report(pytester.path / "damaged")
    assert [slo["verdict"] for slo in report["slos"]] == ["pass", "no_data"]
    (problem,) = report["problems"]
    assert f"ERROR    {problem}" in damaged.outlines
    assert "trends" not in report
    assert (pytester.path / "h.db").read_bytes() == b"this is not SQLite\n" * 500


def test_a_failing_slo_fails_the_same_way_with_a_corrupt_history(
    pytester: pytest.Pytester,
) -> None:
    checkout_suite(pytester, slo="p95=0.01")
    (pytester.path / "h.db").write_text("garbage", encoding="utf-8")
    assert pytester.runpytest().ret == pytester.runpytest(HISTORY).ret == 1


def test_each_slod_series_shows_its_last_runs_in_the_report_trends(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    observed = []
    for run, factor in enumerate((1.0, 0.9, 1.05), start=1):
        checkout_suite(pytester, factor=factor, seed=run, slo="p95=1.0, p95_regression='50%'")
        pytester.runpytest(HISTORY, "--qametrics-report")
        report = read_report(pytester.path / "qametrics-report")
        observed.append(report["slos"][0]["observed"])
    trends = report["trends"]
    assert list(trends) == [f"{GROUP}|latency|checkout|p95"]
    points = trends[f"{GROUP}|latency|checkout|p95"]
    assert [p["run"] for p in points] == [1, 2, 3]
    assert [p["value"] for p in points] == observed
    assert all(p["started"].startswith("20") for p in points)


def test_a_report_json_baseline_compares_values_without_significance(
    pytester: pytest.Pytester,
) -> None:
    slo = "p95_regression='10%', error_rate_regression=0.5"
    checkout_suite(pytester, factor=1.0, seed=1, slo=slo)
    pytester.runpytest("--qametrics-report", "--qametrics-report-dir=before")
    checkout_suite(pytester, factor=1.3, seed=2, slo=slo)

    result = pytester.runpytest("--qametrics-baseline=before/report.json")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            f"FAIL     {GROUP}",
            "*p95 +*% vs baseline report.json at *before/report.json (*; no significance test: "
            "the baseline has no histogram of this series (a report.json baseline*",
            f"PASS     {GROUP}",
            "*error_rate * vs baseline report.json at *; p=*, two-proportion z-test): within the "
            "tolerance",
        ]
    )


def test_a_retried_regression_is_still_compared_with_the_run_before_it(
    pytester: pytest.Pytester,
) -> None:
    checkout_suite(pytester, factor=1.0, seed=1)
    pytester.runpytest(HISTORY)
    checkout_suite(pytester, factor=1.3, seed=2)
    pytester.runpytest(HISTORY)
    checkout_suite(pytester, factor=1.3, seed=3)

    retry = pytester.runpytest(HISTORY)

    assert retry.ret == pytest.ExitCode.TESTS_FAILED
    retry.stdout.fnmatch_lines(["*p95 +*% vs baseline run 1 (*", "qametrics: recorded run 3 in *"])


def test_a_run_id_baseline_accepts_a_new_normal(pytester: pytest.Pytester) -> None:
    checkout_suite(pytester, factor=1.0, seed=1)
    pytester.runpytest(HISTORY)
    checkout_suite(pytester, factor=1.3, seed=2)
    pytester.runpytest(HISTORY)  # run 2 regressed, and is not a "last" baseline

    accepted = pytester.runpytest(HISTORY, "--qametrics-baseline=2")
    later = pytester.runpytest(HISTORY)

    assert accepted.ret == later.ret == pytest.ExitCode.OK
    accepted.stdout.fnmatch_lines(["*vs baseline run 2 (*"])
    later.stdout.fnmatch_lines(["*vs baseline run 3 (*"])


def test_an_unknown_run_id_is_no_data_pointing_at_history_list(pytester: pytest.Pytester) -> None:
    checkout_suite(pytester)
    result = pytester.runpytest(HISTORY, "--qametrics-baseline=7")
    result.stdout.fnmatch_lines(
        [
            f"NO DATA  {GROUP}",
            "*p95_regression <= 10%: baseline run 7 is not in *h.db; 'qametrics history list "
            "*h.db' shows its runs",
        ]
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--qametrics-baseline=last"],
            "*--qametrics-baseline=last names a run of the history file, so it needs "
            "--qametrics-history=PATH*",
        ),
        (
            [HISTORY, "--qametrics-baseline=nothing.json"],
            "*--qametrics-baseline='nothing.json' is neither 'last', a run id nor an existing "
            "report.json*",
        ),
    ],
)
def test_a_baseline_that_names_nothing_usable_is_a_usage_error(
    pytester: pytest.Pytester, options: list[str], message: str
) -> None:
    checkout_suite(pytester)
    result = pytester.runpytest(*options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: pytest-qametrics: {message[1:]}"])


def test_the_option_path_is_relative_to_the_invocation_and_the_ini_path_to_the_rootdir(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout_suite(pytester, slo="p95=1.0")
    inner = pytester.mkdir("sub")
    monkeypatch.chdir(inner)
    pytester.runpytest(str(pytester.path), "--qametrics-history=by-option.db")
    write_ini(pytester, "qametrics_history = data/by-ini.db")
    pytester.runpytest(str(pytester.path))
    assert (inner / "by-option.db").is_file()
    assert (pytester.path / "data" / "by-ini.db").is_file()


def test_an_accuracy_drop_fails_on_accuracy_and_f1_with_their_own_tests(
    pytester: pytest.Pytester,
) -> None:
    suite = """
        import random

        import pytest

        @pytest.mark.slo(accuracy_regression=0.02, f1_macro_regression=0.02, group="intent")
        def test_intents(accuracy_tracker):
            rng = random.Random({seed})
            for _ in range(600):
                actual = rng.choice(["refund", "order", "greeting"])
                wrong = rng.random() > {accuracy}
                others = [label for label in ["refund", "order", "greeting"] if label != actual]
                accuracy_tracker.record(rng.choice(others) if wrong else actual, actual)
    """
    pytester.makepyfile(test_intents=suite.format(seed=1, accuracy=0.92))
    pytester.runpytest(HISTORY)
    pytester.makepyfile(test_intents=suite.format(seed=2, accuracy=0.82))

    result = pytester.runpytest(HISTORY)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAIL     intent",
            "*accuracy accuracy_regression = * pp worse, needs <= 2 pp (n=600, classifications)",
            "*accuracy -* pp vs baseline run 1 (*%; p<0.001, two-proportion z-test)",
            "FAIL     intent",
            "*accuracy f1_macro_regression = * pp worse, needs <= 2 pp (n=600, classifications)",
            "*f1_macro -* pp vs baseline run 1 (*; p*, bootstrap of confusion matrices)",
        ]
    )


def test_two_pytest_processes_finishing_together_both_land(pytester: pytest.Pytester) -> None:
    checkout_suite(pytester, slo="p95=1.0")
    command = [sys.executable, "-m", "pytest", str(pytester.path), HISTORY, "-q"]
    runs = [
        subprocess.Popen(command, cwd=pytester.path, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    with sqlite3.connect(pytester.path / "h.db") as db:
        assert db.execute("SELECT id FROM runs ORDER BY id").fetchall() == [(1,), (2,)]
    db.close()
    assert sorted(o.split("qametrics: recorded run ")[1][0] for o in outputs) == ["1", "2"]


def test_under_xdist_the_controller_records_one_run_and_gates_it(pytester: pytest.Pytester) -> None:
    checkout_suite(pytester, factor=1.0, seed=1)
    pytester.runpytest("-n", "2", HISTORY)
    checkout_suite(pytester, factor=1.3, seed=2)

    result = pytester.runpytest("-n", "2", HISTORY)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*p95 +*% vs baseline run 1 (*", "qametrics: recorded run 2 in *"])
    with sqlite3.connect(pytester.path / "h.db") as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)
    db.close()


def test_every_slo_row_finds_its_trend_by_its_own_fields(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    checkout_suite(pytester, slo="p95=1.0, p95_regression='10%', error_rate=0.5")
    pytester.runpytest(HISTORY, "--qametrics-report")
    report = read_report(pytester.path / "qametrics-report")
    assert [row_trend_key(slo) in report["trends"] for slo in report["slos"]] == [True] * 3
    assert row_trend_key(report["slos"][1]) == f"{GROUP}|latency|checkout|p95"
