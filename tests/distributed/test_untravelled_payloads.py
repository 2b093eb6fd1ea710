"""Strings that are not UTF-8 and payloads that cannot travel never turn a run green under -n 2."""

from __future__ import annotations

import pytest
from inner_projects import read_report, write_ini

#: What ``os.fsdecode(b"r\xe9sum\xe9.pdf")`` gives on a UTF-8 system: lone surrogates.
FILE_NAME = "r\udce9sum\udce9.pdf"


def test_a_non_utf8_error_message_is_counted_under_xdist_as_it_is_serially(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_files=f"""
        import pytest

        @pytest.mark.slo(error_rate=0.1, group="files")
        def test_bad_file(latency_tracker):
            latency_tracker.record("open", 0.1, success=False, error={FILE_NAME!r})
            latency_tracker.record({"open " + FILE_NAME!r}, 0.1, kind={FILE_NAME!r})

        @pytest.mark.slo(error_rate=0.1, group="files")
        def test_good_file(latency_tracker):
            latency_tracker.record("open", 0.1)
        """
    )
    for args, directory in (((), "serial"), (("-n", "2"), "xdist")):
        result = pytester.runpytest_subprocess(
            *args, "--qametrics-report", f"--qametrics-report-dir={directory}"
        )
        assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
        assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
        result.stdout.fnmatch_lines(
            ["FAIL     files", "         latency error_rate = 33.33%, needs <= 10% (n=3, *"]
        )
        report = read_report(pytester.path / directory)
        assert report["problems"] == []
        assert {s["name"] for s in report["series"]} >= {"open", "open r\\udce9sum\\udce9.pdf"}
        assert sorted(p.name for p in (pytester.path / directory).iterdir()) == [
            "qametrics-data.json",
            "report.html",
            "report.json",
            "series.csv",
            "slos.csv",
        ]


def test_a_payload_that_cannot_travel_is_an_error_that_fails_the_run(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        test_marks=f"""
        import pytest

        @pytest.mark.slo(p95=1.0, operation={"op" + FILE_NAME!r})
        def test_mark(latency_tracker):
            latency_tracker.record("op", 0.1)
        """
    )
    result = pytester.runpytest_subprocess("-n", "2")

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "ERROR    qametrics payload from worker gw* (test test_marks.py::test_mark) could "
            "not be sent (payload*specs*operation* is a string that is not UTF-8 "
            "encodable: 'opr\\udce9sum\\udce9.pdf'); the samples of this test are lost",
        ]
    )


def test_a_worker_lost_to_an_internal_error_is_said_out_loud_and_fails_the_run(
    pytester: pytest.Pytester,
) -> None:
    """xdist drops a worker after an internal error (here: a user property execnet refuses)
    without calling pytest_testnodedown; the samples it would have sent are missing.

    The failing test waits for the other to finish: an internal error that reaches the
    controller before any test report ends the session with exit code 3 and no summaries
    (pytest prints none after an internal error), which is loud too, but not this case.
    """
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1.0")
    pytester.makepyfile(
        test_props=f"""
        import pathlib, time

        DONE = pathlib.Path("second-done")

        def test_first(latency_tracker, record_property):
            latency_tracker.record("op", 0.1)
            deadline = time.monotonic() + 30
            while not DONE.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # for test_second's reports to reach the controller
            record_property("file", {FILE_NAME!r})

        def test_second(latency_tracker):
            latency_tracker.record("op", 0.1)
            DONE.touch()
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "ERROR    pytest reported an internal error, so results may be lost: "
            "*DumpError: strings must be utf-8 encodable",
            "LOST     worker gw* was lost (it stopped without finishing its session*",
        ]
    )
