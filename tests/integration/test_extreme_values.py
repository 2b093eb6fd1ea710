"""Finite values at the ends of the float range are judged and reported, never a lost summary."""

from __future__ import annotations

import json

import pytest

FILES = ["qametrics-data.json", "report.html", "report.json", "series.csv", "slos.csv"]


@pytest.mark.parametrize(
    ("body", "mark", "verdict"),
    [
        (
            'latency_tracker.record("op", 1e308)\n    latency_tracker.record("op", 1e308)',
            "p95=1.0",
            "FAIL",
        ),
        (
            'latency_tracker.record("op", 1e-310)\n    latency_tracker.record("op", 1.0)',
            "p95=1.0",
            "PASS",
        ),
        (
            'metrics.record("m", 1e308)\n    metrics.record("m", 1e308)',
            'metric="m", mean="<=1"',
            "FAIL",
        ),
    ],
    ids=["two-1e308-latencies", "a-subnormal-latency", "two-1e308-metric-values"],
)
def test_extreme_finite_values_are_judged_and_every_report_is_written(
    pytester: pytest.Pytester, body: str, mark: str, verdict: str
) -> None:
    source = (
        "import pytest\n\n"
        f'@pytest.mark.slo({mark}, group="g")\n'
        "def test_extreme(latency_tracker, metrics):\n"
        f"    {body}\n"
    )
    (pytester.path / "test_extreme.py").write_text(source, encoding="utf-8")

    result = pytester.runpytest("--qametrics-report", "--qametrics-report-dir=r")

    assert result.ret == (pytest.ExitCode.TESTS_FAILED if verdict == "FAIL" else 0)
    result.stdout.fnmatch_lines([f"{verdict:<8} g"])
    assert sorted(p.name for p in (pytester.path / "r").iterdir()) == FILES
    report = json.loads((pytester.path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["slos"][0]["verdict"] == verdict.lower()
