"""``qametrics history report``: a period against the one before, with recommendations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from pytest_qametrics.cli import main
from pytest_qametrics.history.period import period_report
from pytest_qametrics.history.records import RunFacts, RunRecord, VerdictRow
from pytest_qametrics.history.store import HistoryStore
from pytest_qametrics.judge.baseline import Confusion

from .projects import read_report, write_ini

LATENCY = ("session", "latency", "checkout")
SEARCH = ("session", "latency", "search")
ACCURACY = ("session", "accuracy", "intent")
COST = ("session", "metric", "cost_usd")


def verdict(
    key: tuple[str, str, str],
    statistic: str,
    comparison: str,
    threshold: float,
    observed: float,
    status: str,
    n: int = 400,
    needed: int | None = None,
) -> VerdictRow:
    row = (*key, statistic, None, comparison, threshold, observed, n, status, "reason", needed)
    return VerdictRow(*row)


def a_week_run(started: datetime, index: int, p95: float) -> RunRecord:
    flaky = "pass" if index % 2 else "fail"
    verdicts = (
        verdict(LATENCY, "p95", "<=", 0.25, p95, "fail" if p95 > 0.25 else "pass"),
        verdict(ACCURACY, "f1_macro", ">=", 0.8, 0.7, "fail"),
        verdict(SEARCH, "error_rate", "<=", 0.2, 0.001, "pass"),
        verdict(LATENCY, "mean", "<=", 0.2, 0.2 + (0.01 if flaky == "fail" else -0.01), flaky),
        verdict(SEARCH, "p99", "<=", 1.0, 0.9, "inconclusive", n=40, needed=299),
    )
    return RunRecord(
        facts=RunFacts(started.isoformat(timespec="seconds"), 0, 10.0, "c" * 40, "main"),
        stats={
            LATENCY: {"p95": p95, "mean": 0.2, "count": 400.0},
            SEARCH: {"p95": 0.05, "error_rate": 0.001, "p99": 0.9},
            ACCURACY: {"f1_macro": 0.7},
            COST: {"sum": 0.5 + index / 100},
            ("session", "metric", "cost_usd[model=gpt-4o]"): {"sum": 0.4, "count": 10.0},
            ("session", "metric", "cost_usd[model=mini]"): {"sum": 0.1, "count": 10.0},
        },
        histograms={},
        confusions={
            ACCURACY: Confusion(
                ("billing", "refund", "other"),
                np.array([[40, 9, 1], [2, 30, 0], [5, 0, 13]], dtype=np.int64),
            )
        },
        verdicts=verdicts,
        errors={LATENCY: {"TimeoutError: read timed out": 7, "HTTP 503": 2}},
    )


NOW = datetime.now(timezone.utc).replace(microsecond=0)


def fill(url: str) -> None:
    with HistoryStore(url) as store:
        for index in range(6):  # the previous week: checkout fast
            store.add_run(a_week_run(NOW - timedelta(days=13 - index), index, 0.10 + index / 1000))
        for index in range(6):  # this week: checkout slow
            store.add_run(a_week_run(NOW - timedelta(days=6 - index), index, 0.30 + index / 1000))


def test_the_period_report_compares_judges_and_recommends(history_url: str) -> None:
    fill(history_url)
    with HistoryStore(history_url) as store:
        data = period_report(store, timedelta(days=7), "main", NOW)

    assert (data["period"]["runs"], data["previous"]["runs"]) == (6, 6)
    metric = next(m for m in data["key_metrics"] if m["series"] == "session/latency/checkout"
                  and m["statistic"] == "p95")  # fmt: skip
    assert (metric["shown_previous"], metric["shown_current"]) == ("102.5 ms", "302.5 ms")
    assert metric["significant"] is True
    assert metric["worse"] is True
    assert metric["p_value"] < 0.01
    breaches = {b["slo"]: b for b in data["breaches"]}
    assert breaches["latency[checkout].p95 <= 250 ms"] == {
        "slo": "latency[checkout].p95 <= 250 ms",
        "count": 6,
        "previous": 0,
    }
    assert data["regressions"][0]["what"] == "session/latency/checkout p95"
    assert data["cost"]["models"] == [
        {"model": "gpt-4o", "total": pytest.approx(2.4), "per_run": pytest.approx(0.4)},
        {"model": "mini", "total": pytest.approx(0.6), "per_run": pytest.approx(0.1)},
    ]
    assert data["cost"]["per_run"] == pytest.approx(0.525)
    (flaky,) = data["flaky"]
    assert (flaky["slo"], flaky["flips"]) == ("latency[checkout].mean <= 200 ms", 5)
    advice = {(a["kind"], a["slo"]): a["text"] for a in data["recommendations"]}
    assert advice[("latency", "latency[checkout].p95 <= 250 ms")] == (
        "failing: the slowest operation is checkout (p95 305 ms), its top errors: "
        "TimeoutError: read timed out (7x); HTTP 503 (2x)."
    )
    assert advice[("accuracy", "accuracy[intent].f1_macro >= 80%")] == (
        "failing: the most confused pair is billing predicted as refund (9x), the worst class "
        "is other (recall 72.2%)."
    )
    assert advice[("sample_size", "latency[search].p99 <= 1 s")] == (
        "inconclusive in 6 of 6 runs: about 299 samples would decide it (the latest run had 40)."
    )
    assert advice[("loose", "latency[search].error_rate <= 20%")].startswith(
        "never came near its threshold 20% (worst of its runs: 0.1%): it is loose"
    )
    assert ("flaky", "latency[checkout].mean <= 200 ms") in advice


def test_the_report_command_writes_html_and_markdown(
    history_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(history_url)
    html, markdown = tmp_path / "out" / "week.html", tmp_path / "out" / "week.md"
    code = main(["history", "report", history_url, "--since", "3650d", "--branch", "main",
                 "--html", str(html), "--markdown", str(markdown)])  # fmt: skip
    assert code == 0
    assert "qametrics history report: 12 runs; wrote " in capsys.readouterr().out
    text = markdown.read_text("utf-8")
    for heading in ("Key metrics", "SLO breaches", "Top regressions", "Cost", "Flaky SLOs",
                    "Recommendations"):  # fmt: skip
        assert f"## {heading}" in text
        assert f"<h2>{heading}</h2>" in html.read_text("utf-8")
    assert "| gpt-4o | $4.8000 | $0.4000 |" in text
    assert "- **latency[checkout].p95 <= 250 ms**: failing: the slowest operation" in text
    assert main(["history", "report", history_url, "--since", "soon", "--html", str(html)]) == 2
    assert "--since 'soon' is not an age" in capsys.readouterr().err
    assert main(["history", "report", history_url]) == 2
    assert "say what to write: --html FILE and/or --markdown FILE" in capsys.readouterr().err


def test_a_single_run_report_carries_the_same_recommendations(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "qametrics_no_data = warn")
    pytester.makepyfile(
        test_api="""
        import pytest

        @pytest.mark.slo(p95=0.05, operation="checkout")
        def test_checkout(latency_tracker):
            for i in range(50):
                latency_tracker.record("checkout", 0.2, success=i % 10 != 0,
                                       error="HTTP 503" if i % 10 == 0 else None)

        @pytest.mark.slo(error_rate=0.5, operation="search")
        def test_search(latency_tracker):
            for _ in range(50):
                latency_tracker.record("search", 0.01)
        """
    )
    result = pytester.runpytest("--qametrics-report")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = read_report(pytester.path / "qametrics-report")
    advice = {(a["kind"], a["slo"]): a["text"] for a in report["recommendations"]}
    assert advice[
        ("latency", "test_api.py::test_checkout latency[operation=checkout].p95 <= 50 ms")
    ] == ("failing: the slowest operation is checkout (p95 200 ms), its top errors: HTTP 503 (5x).")
    assert (
        "loose",
        "test_api.py::test_search latency[operation=search].error_rate <= 50%",
    ) in advice
    page = (pytester.path / "qametrics-report" / "report.html").read_text("utf-8")
    assert '<h2 id="recommendations">Recommendations</h2>' in page
    assert "its top errors: HTTP 503 (5x)." in page
