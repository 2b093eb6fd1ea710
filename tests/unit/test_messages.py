"""Small refusals: non-ASCII digits, settings given twice, huge values, quoting, --last."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_qametrics.cli import main
from pytest_qametrics.history.baseline import BaselineError
from pytest_qametrics.history.session import history_keeper
from pytest_qametrics.settings import SettingsError, read_settings
from pytest_qametrics.slo.catalogue import statistic_info
from pytest_qametrics.slo.lines import parse_slo_lines
from pytest_qametrics.slo.spec import SloError
from pytest_qametrics.slo.thresholds import ThresholdError, parse_threshold


def test_a_threshold_written_with_non_ascii_digits_is_refused() -> None:
    info = statistic_info("latency", "p95")
    assert info is not None
    with pytest.raises(ThresholdError, match="is not a threshold"):
        parse_threshold("<=\u0665ms", info)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("latency.p95 <= 1 min_samples=\u0663", "min_samples must be an int >= 1"),
        ("latency.p95 <= 1 confidence=\u0660.\u0669\u0665", "confidence must be a number"),
        ("latency.p95 <= 1 severity=warn severity=fail", "severity= is given twice"),
    ],
)
def test_ini_slo_lines_refuse_non_ascii_numbers_and_repeated_settings(
    line: str, message: str
) -> None:
    with pytest.raises(SloError, match=message):
        parse_slo_lines([line])


def test_a_very_long_ini_line_is_quoted_once_and_shortened() -> None:
    line = "latency.p95 <= 1 " + "x" * 100_000
    with pytest.raises(SloError) as caught:
        parse_slo_lines([line])
    assert len(str(caught.value)) < 1_000


def test_an_absurd_exact_sample_cap_is_refused() -> None:
    values = {"qametrics_exact_samples": "99999999999999999999999"}
    with pytest.raises(SettingsError, match="use a whole number from 1 to 1,000,000,000"):
        read_settings(lambda _: None, values.get)


@pytest.mark.parametrize("last", ["0", "-1"])
def test_history_last_needs_a_count_of_at_least_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], last: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["history", "list", str(tmp_path / "h.db"), "--last", last])
    assert caught.value.code == 2
    assert f"--last needs a whole number >= 1, not {last!r}" in capsys.readouterr().err


def test_render_says_a_string_schema_version_is_the_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema_version": "1"}), encoding="utf-8")
    assert main(["render", str(path), "--html", str(tmp_path / "r.html")]) == 2
    assert "schema_version must be the integer 1, not the str '1'" in capsys.readouterr().err


def test_a_baseline_from_the_ini_file_is_named_as_the_ini_key(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"^qametrics_baseline='nothing\.json' is neither"):
        history_keeper("", tmp_path, "nothing.json", tmp_path, tmp_path, "qametrics_baseline")
