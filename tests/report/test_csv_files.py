"""slos.csv and series.csv parse back with the csv module: text guarded, numbers still numbers."""

from __future__ import annotations

import csv
import io

import pytest

from pytest_qametrics.report.files import SERIES_COLUMNS, SLO_COLUMNS, csv_cell, render_csv

from .projects import HOSTILE, run_project

HOSTILE_TEXTS = ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tindented", "\rreturn", "=cmd|' /C calc'!A0"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_text_cell_that_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("number", [-0.3, -5, 0, 2.5e-7, 1e300])
def test_numbers_including_negative_ones_stay_numbers(number: float) -> None:
    assert csv_cell(number) == number


def test_hostile_text_round_trips_through_the_csv_module_guarded() -> None:
    slos = [
        {"scope": text, "reason": text, "observed": -0.3, "threshold": -1, "n": 7}
        for text in HOSTILE_TEXTS
    ]
    series = [{"scope": "=s", "tracker": "metric", "name": "-x", "statistics": {"min": -1.5}}]
    files = render_csv({"slos": slos, "series": series})

    parsed = _rows(files["slos.csv"])
    assert [row["scope"] for row in parsed] == ["'" + text for text in HOSTILE_TEXTS]
    assert [row["reason"] for row in parsed] == ["'" + text for text in HOSTILE_TEXTS]
    assert {(row["observed"], row["threshold"], row["n"]) for row in parsed} == {
        ("-0.3", "-1", "7")
    }
    assert _rows(files["series.csv"]) == [
        {
            "scope": "'=s",
            "tracker": "metric",
            "name": "'-x",
            "statistic": "min",
            "value": "-1.5",
            "relative_error": "0.0",
        }
    ]


def test_negative_numbers_are_written_bare_not_quoted() -> None:
    files = render_csv({"slos": [{"scope": "s", "observed": -0.3}], "series": []})

    line = files["slos.csv"].splitlines()[1]
    assert ",-0.3," in line
    assert "'-0.3" not in line
    assert '"-0.3"' not in line


def test_the_files_have_their_documented_columns_and_rfc_4180_line_ends() -> None:
    files = render_csv({"slos": [], "series": []})

    assert files["slos.csv"] == ",".join(SLO_COLUMNS) + "\r\n"
    assert files["series.csv"] == ",".join(SERIES_COLUMNS) + "\r\n"


def test_a_real_run_writes_csv_that_parses_back_with_guarded_names_and_bare_numbers(
    pytester: pytest.Pytester,
) -> None:
    directory = run_project(pytester, HOSTILE).directory

    slos = _rows((directory / "slos.csv").read_text(encoding="utf-8"))
    assert [row["declared_at"][:17] for row in slos] == ["'@pytest.mark.slo"]
    assert (slos[0]["verdict"], slos[0]["file"], slos[0]["line"]) == (
        "pass",
        "test_project.py",
        "5",
    )
    series = _rows((directory / "series.csv").read_text(encoding="utf-8"))
    metric_min = [
        r["value"] for r in series if r["tracker"] == "metric" and r["statistic"] == "min"
    ]
    assert metric_min == ["-1.5", "-1.5"]  # the session's row and the group's
