"""Ini paths are relative to the rootdir, options to the directory pytest was started in."""

from __future__ import annotations

import pytest

from .inner_runs import write_ini

TEST = """
import pytest

@pytest.mark.slo(p95=1.0)
def test_fast(latency_tracker):
    latency_tracker.record("lookup", 0.1)
"""


def test_ini_report_dir_and_history_both_resolve_against_the_rootdir_from_a_subdirectory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(pytester, "qametrics_report_dir = out", "qametrics_history = runs.db")
    sub = pytester.mkpydir("sub")
    (sub / "test_sub.py").write_text(TEST, "utf-8")
    monkeypatch.chdir(sub)

    result = pytester.runpytest("--qametrics-report", "test_sub.py")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert (pytester.path / "out" / "report.json").is_file()
    assert (pytester.path / "runs.db").is_file()
    assert not (sub / "out").exists()
    assert not (sub / "runs.db").exists()


def test_report_dir_option_stays_relative_to_the_invocation_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(pytester, "qametrics_report_dir = out")
    sub = pytester.mkpydir("sub")
    (sub / "test_sub.py").write_text(TEST, "utf-8")
    monkeypatch.chdir(sub)

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=here", "test_sub.py")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert (sub / "here" / "report.json").is_file()
    assert not (pytester.path / "out").exists()


def test_ini_prometheus_textfile_resolves_against_the_rootdir_from_a_subdirectory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(pytester, "qametrics_prometheus = metrics/run.prom")
    (pytester.path / "metrics").mkdir()
    sub = pytester.mkpydir("sub")
    (sub / "metrics").mkdir()
    (sub / "test_sub.py").write_text(TEST, "utf-8")
    monkeypatch.chdir(sub)

    result = pytester.runpytest("test_sub.py")

    assert result.ret == pytest.ExitCode.OK, result.outlines
    assert (pytester.path / "metrics" / "run.prom").is_file()
    assert not (sub / "metrics" / "run.prom").exists()


def test_an_unwritable_ini_report_dir_is_refused_naming_the_ini_key(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "taken").write_text("a file, not a directory", "utf-8")
    write_ini(pytester, "qametrics_report_dir = taken/out")
    pytester.makepyfile(test_fast=TEST)

    result = pytester.runpytest("--qametrics-report")

    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines
    result.stderr.fnmatch_lines(
        ["*cannot write reports to *taken*out*the qametrics_report_dir ini key*"]
    )
    assert "--qametrics-report-dir" not in result.stderr.str()


def test_an_unwritable_report_dir_option_is_refused_naming_the_option(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "taken").write_text("a file, not a directory", "utf-8")
    write_ini(pytester)
    pytester.makepyfile(test_fast=TEST)

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=taken/out")

    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines
    result.stderr.fnmatch_lines(["*cannot write reports to *taken*out*--qametrics-report-dir*"])
    assert "ini key" not in result.stderr.str()
