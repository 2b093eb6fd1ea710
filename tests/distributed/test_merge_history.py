"""``qametrics merge`` lists the tests of every shard and records into a history like a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inner_projects import grid_latencies, read_report, write_ini

from pytest_qametrics import cli
from pytest_qametrics.history.store import HistoryStore

REPORT = ("--qametrics-report", "--qametrics-formats=json")
MARK = "pytest.mark.slo(group='shared', p95=1.0, p95_regression='10%')"


def write_calls(pytester: pytest.Pytester, name: str, values: list[float]) -> None:
    pytester.makepyfile(
        **{
            name: f"""
            import pytest

            @{MARK}
            @pytest.mark.parametrize("seconds", {values!r})
            def test_call(latency_tracker, seconds):
                for _ in range(20):
                    latency_tracker.record("call", seconds)
            """
        }
    )


def shards_and_merge(pytester: pytest.Pytester, factor: float, *extra: str) -> int:
    rng = np.random.default_rng(int(factor * 10))
    write_calls(pytester, "test_a", grid_latencies(rng, 6, median=0.1 * factor, sigma=0.05))
    write_calls(pytester, "test_b", grid_latencies(rng, 6, median=0.1 * factor, sigma=0.05))
    for shard, module in (("shard0", "test_a.py"), ("shard1", "test_b.py")):
        pytester.runpytest(module, *REPORT, f"--qametrics-report-dir={shard}")
    inputs = [str(pytester.path / s) for s in ("shard0", "shard1")]
    return cli.main(["merge", *inputs, "--report-dir", str(pytester.path / "merged"), *extra])


def test_the_merged_report_lists_the_tests_of_every_shard(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    shards_and_merge(pytester, 1.0)
    tests = read_report(pytester.path / "merged")["tests"]
    assert sorted({t["nodeid"].split("::")[0] for t in tests}) == ["test_a.py", "test_b.py"]
    assert len(tests) == 12
    assert all(t["outcome"] == "passed" and t["series"] == ["latency:call"] for t in tests)


def test_merge_records_into_the_history_and_compares_with_the_last_merge(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    history = str(pytester.path / "team.db")
    first = shards_and_merge(pytester, 1.0, "--history", history, "--no-data", "warn")
    first_out = capsys.readouterr().out
    second = shards_and_merge(pytester, 3.0, "--history", history, "--no-data", "warn")
    second_out = capsys.readouterr().out

    assert first == 0
    assert "qametrics: recorded run 1 in " in first_out
    assert second == 1
    assert "p95_regression = " in second_out
    assert "vs baseline run 1" in second_out
    assert "qametrics: recorded run 2 in " in second_out
    with HistoryStore(Path(history)) as store:
        assert [r.id for r in store.runs()] == [1, 2]
        assert [v.verdict for v in store.verdicts(2)] == ["pass", "fail"]
    assert "trends" in read_report(pytester.path / "merged")
