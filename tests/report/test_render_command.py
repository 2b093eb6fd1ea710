"""``qametrics render`` draws a report.json again; bad input exits 2 and says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_qametrics.cli import main

from .projects import FAILING, run_project


def test_rendering_a_runs_json_again_gives_the_same_html_and_csv(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = run_project(pytester, FAILING).directory
    out = pytester.path / "again"
    capsys.readouterr()  # the inner run's output

    code = main(
        ["render", str(directory / "report.json"), "--html", str(out / "r.html"), "--csv", str(out)]
    )

    assert code == 0
    assert (out / "r.html").read_bytes() == (directory / "report.html").read_bytes()
    for name in ("slos.csv", "series.csv"):
        assert (out / name).read_bytes() == (directory / name).read_bytes()
    assert capsys.readouterr().out == (
        f"qametrics: wrote {out / 'r.html'}, {out / 'slos.csv'}, {out / 'series.csv'}\n"
    )


def test_rendering_markdown_writes_the_job_summary_text(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = run_project(pytester, FAILING).directory

    assert main(["render", str(directory / "report.json"), "--markdown", "s.md"]) == 0
    assert (pytester.path / "s.md").read_text("utf-8").startswith("### \u274c qametrics: 2 of 3")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file; pass the report.json a run wrote", id="missing"),
        pytest.param("{not json", "cannot be read as a JSON report", id="not-json"),
        pytest.param("[1, 2]", "not a qametrics report.json (it has no schema_version)", id="list"),
        pytest.param(
            '{"schema_version": 99}',
            "report schema_version 99, this pytest-qametrics renders version 1",
            id="newer-schema",
        ),
        # checked against the schema (issue 18): the message names the missing field
        pytest.param('{"schema_version": 1}', "($: the field 'run' is missing)", id="damaged"),
    ],
)
def test_a_report_that_cannot_be_rendered_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    code = main(["render", str(path), "--html", str(tmp_path / "out.html")])

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"qametrics render: error: {path}: ")
    assert message in error
    assert not (tmp_path / "out.html").exists()


def test_render_without_an_output_option_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema_version": 1}), encoding="utf-8")

    assert main(["render", str(path)]) == 2
    assert "say what to write: --html FILE, --csv DIR and/or --markdown FILE" in (
        capsys.readouterr().err
    )
