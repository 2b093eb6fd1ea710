"""Another reporter writing one of the report files is refused at start-up, not overwritten."""

from __future__ import annotations

import pytest

TEST = "def test_ok():\n    pass\n"


@pytest.mark.parametrize(
    ("flag", "name"),
    [
        pytest.param("--html", "report.html", id="pytest-html"),
        pytest.param("--junitxml", "report.json", id="junitxml"),
    ],
)
def test_another_reporter_writing_a_report_file_is_a_usage_error(
    pytester: pytest.Pytester, flag: str, name: str
) -> None:
    pytester.makepyfile(test_one=TEST)

    result = pytester.runpytest(f"{flag}={name}", "--qametrics-report", "--qametrics-report-dir=.")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: pytest-qametrics: {flag}={name} and --qametrics-report would both write "
            f"*{name}, and one would overwrite the other; choose another "
            f"--qametrics-report-dir (or another {flag} path)"
        ]
    )
    assert not (pytester.path / name).exists()


def test_pytest_html_in_another_file_writes_both_reports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one=TEST)

    result = pytester.runpytest(
        "--html=tests.html", "--qametrics-report", "--qametrics-report-dir=."
    )

    assert result.ret == pytest.ExitCode.OK
    assert "qametrics report</title>" in (pytester.path / "report.html").read_text("utf-8")
    assert (pytester.path / "tests.html").is_file()
