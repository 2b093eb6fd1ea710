"""``qametrics merge`` judges SLOs over the union of separate CI shards, and rejects bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from inner_projects import grid_latencies, nearest_rank, read_report, write_ini

from pytest_qametrics import cli

REPORT = ("--qametrics-report", "--qametrics-formats=json")


def write_calls(pytester: pytest.Pytester, name: str, values: list[float], mark: str) -> None:
    """A test module with one test per value, each recording it as a ``call`` under ``mark``."""
    pytester.makepyfile(
        **{
            name: f"""
            import pytest

            @{mark}
            @pytest.mark.parametrize("seconds", {values!r})
            def test_call(latency_tracker, seconds):
                latency_tracker.record("call", seconds)
            """
        }
    )


def run_shard(pytester: pytest.Pytester, shard: str, *args: str) -> pytest.ExitCode | int:
    """Run one shard into its own report directory; return its exit code."""
    return pytester.runpytest(*args, *REPORT, f"--qametrics-report-dir={shard}").ret


def merge(pytester: pytest.Pytester, *shards: str) -> int:
    """Run ``qametrics merge`` in-process over ``shards`` into the directory ``merged``."""
    inputs = [str(pytester.path / shard) for shard in shards]
    return cli.main(["merge", *inputs, "--report-dir", str(pytester.path / "merged")])


FAST = grid_latencies(np.random.default_rng(1), 10, median=0.1, sigma=0.02)
SLOW = grid_latencies(np.random.default_rng(8), 14, median=0.8, sigma=0.02)
SHARED = 'pytest.mark.slo(group="shared", p95=1.0)'


def test_merged_shards_fail_an_slo_that_no_single_shard_breaches(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.stdev <= 0.05")
    write_calls(pytester, "test_fast", FAST, SHARED)
    write_calls(pytester, "test_slow", SLOW, SHARED)

    shards = [
        run_shard(pytester, "shard0", "test_fast.py"),
        run_shard(pytester, "shard1", "test_slow.py", "-n", "2"),
    ]
    capsys.readouterr()
    merged = merge(pytester, "shard0", "shard1")
    output = capsys.readouterr().out

    assert shards == [pytest.ExitCode.OK, pytest.ExitCode.OK]
    assert merged == 1
    assert "FAIL     session\n         latency stdev = " in output
    assert f"needs <= 50 ms (n={len(FAST) + len(SLOW)}, latency samples)" in output
    slos = {row["scope"]: row for row in read_report(pytester.path / "merged")["slos"]}
    assert (slos["session"]["n"], slos["session"]["verdict"]) == (len(FAST) + len(SLOW), "fail")
    assert slos["shared"]["observed"] == nearest_rank(FAST + SLOW, 0.95)
    assert (slos["shared"]["n"], slos["shared"]["verdict"]) == (len(FAST) + len(SLOW), "pass")

    script = Path(sys.executable).with_name("qametrics")
    inputs = [str(pytester.path / shard) for shard in ("shard0", "shard1")]
    console = subprocess.run(
        [str(script), "merge", *inputs, "--report-dir", str(pytester.path / "by-script")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert console.returncode == 1, console.stderr
    assert "FAIL     session\n         latency stdev = " in console.stdout
    assert (
        read_report(pytester.path / "by-script")["slos"]
        == read_report(pytester.path / "merged")["slos"]
    )


def test_merged_shards_pass_an_slo_that_one_shard_breaches_alone(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    # The tail shard's p95 is its one slow call; among all 40 calls that call is above rank 38.
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 0.2")
    write_calls(pytester, "test_tail", [0.1, 0.9], SHARED)
    write_calls(pytester, "test_bulk", [0.1] * 38, SHARED)

    shards = [
        run_shard(pytester, "shard0", "test_tail.py"),
        run_shard(pytester, "shard1", "test_bulk.py"),
    ]
    capsys.readouterr()
    merged = merge(pytester, "shard0", "shard1")
    output = capsys.readouterr().out

    assert shards == [pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.OK]
    assert merged == 0
    assert "PASS     session\n         latency p95 = 100 ms, needs <= 200 ms (n=40," in output
    assert read_report(pytester.path / "merged")["summary"]["verdict"] == "pass"


def test_merging_a_missing_directory_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = merge(pytester, "no-such-shard")

    assert exit_code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"qametrics merge: error: {pytester.path / 'no-such-shard'}: ")
    assert not (pytester.path / "merged").exists()


def test_merging_a_foreign_json_file_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    (pytester.path / "foreign.json").write_text('{"tests": 3, "passed": 3}', encoding="utf-8")

    exit_code = merge(pytester, "foreign.json")

    assert exit_code == 2
    assert capsys.readouterr().err == (
        f"qametrics merge: error: {pytester.path / 'foreign.json'}: not a qametrics data "
        "artifact of version 1 (found None)\n"
    )


def test_merging_shards_with_different_percentile_definitions_is_a_usage_error(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    write_ini(pytester, "qametrics_slo =", "    latency.p95 <= 1.0")
    write_calls(pytester, "test_one", [0.1, 0.2, 0.3], SHARED)
    run_shard(pytester, "nearest")
    run_shard(pytester, "linear", "-o", "qametrics_percentile=linear")
    capsys.readouterr()

    exit_code = merge(pytester, "nearest", "linear")

    assert exit_code == 2
    assert "different percentile definitions (linear, nearest-rank)" in capsys.readouterr().err
    assert not (pytester.path / "merged").exists()
