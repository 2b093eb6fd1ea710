"""``qametrics merge`` counts each run once and checks every field of an artifact it is given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from inner_projects import read_report, write_ini

from pytest_qametrics import cli

SHARD = """
import pytest

@pytest.mark.slo(group="shared", p95=1.0, min_samples=30)
@pytest.mark.parametrize("case", range(20))
def test_call(latency_tracker, case):
    latency_tracker.record("call", 0.1)
"""


def make_shard(pytester: pytest.Pytester, name: str = "shard-1") -> Path:
    write_ini(pytester)
    pytester.makepyfile(test_calls=SHARD)
    result = pytester.runpytest("--qametrics-report", f"--qametrics-report-dir={name}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # 20 samples, min 30: no data
    return pytester.path / name


def merge(*args: Path | str) -> int:
    return cli.main(["merge", *map(str, args)])


def test_merging_one_shard_twice_is_refused_instead_of_doubling_its_samples(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = make_shard(pytester)

    assert merge(shard, shard, "--report-dir", pytester.path / "merged") == 2
    error = capsys.readouterr().err
    assert "already holds: each run may be merged once" in error
    assert not (pytester.path / "merged" / "report.json").exists()


def test_a_merged_directory_and_one_of_its_shards_are_refused_together(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = make_shard(pytester)
    assert merge(shard, "--report-dir", pytester.path / "merged") == 1

    assert merge(pytester.path / "merged", shard, "--report-dir", pytester.path / "again") == 2
    assert "each run may be merged once" in capsys.readouterr().err


def test_merging_into_a_directory_that_is_also_an_input_is_refused(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = make_shard(pytester)

    assert merge(shard, "--report-dir", shard) == 2
    assert "is also the --report-dir" in capsys.readouterr().err
    assert read_report(shard)["slos"][0]["n"] == 20


def test_artifacts_of_different_projects_are_merged_with_a_warning(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = make_shard(pytester)
    data = json.loads((shard / "qametrics-data.json").read_text(encoding="utf-8"))
    other = pytester.path / "other.json"
    other.write_text(json.dumps({**data, "runs": ["x1"], "project": "billing"}), "utf-8")

    assert merge(shard, other, "--report-dir", pytester.path / "merged") == 0
    error = capsys.readouterr().err
    assert "warning: the artifacts come from different projects: 'billing' (" in error
    assert read_report(pytester.path / "merged")["slos"][0]["n"] == 40


def _tamper(data: dict[str, Any], field: str, value: object) -> None:
    target: Any = data
    *path, last = field.split(".")
    for part in path:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("specs.0.comparison", "==", "specs[0]: comparison must be '<', '<=', '>' or '>='"),
        ("specs.0.statistic", "p59", "specs[0]: latency has no statistic 'p59'"),
        ("specs.0.threshold", float("nan"), "specs[0]: threshold must be a finite number"),
        ("specs.0.min_samples", -1, "specs[0]: min_samples must be an int >= 1, not -1"),
        ("groups.shared.items", -3, "groups['shared'].items must be a count"),
        ("artifact_version", True, "not a qametrics data artifact of version 1 (found True)"),
        ("problems", "abc", "problems must be a list of strings"),
        ("groups.shared.series.0.ok", "AAAAAAAA+H8=", "groups['shared'].series[0].ok holds nan"),
        ("groups.shared.series.0.ok", "AAAAAAAA8H8=", "groups['shared'].series[0].ok holds inf"),
    ],
)
def test_a_tampered_artifact_is_a_usage_error_naming_the_file_and_the_field(
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    field: str,
    value: object,
    message: str,
) -> None:
    shard = make_shard(pytester)
    path = shard / "qametrics-data.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    _tamper(data, field, value)
    path.write_text(json.dumps(data), encoding="utf-8")

    assert merge(shard, "--report-dir", pytester.path / "merged") == 2
    error = capsys.readouterr().err
    assert error.startswith(f"qametrics merge: error: {path}: "), error
    assert message in error, error
