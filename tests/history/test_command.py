"""``qametrics history list | trend | compare``: tables, a chart file, and a gate for CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from pytest_qametrics.history.command import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main, parse_series
from pytest_qametrics.history.records import RunFacts, RunRecord, VerdictRow
from pytest_qametrics.history.store import HistoryStore
from pytest_qametrics.judge.baseline import Histogram

CHECKOUT = ("session", "latency", "checkout")
SEARCH = ("session", "latency", "search")


def a_run(seed: int, checkout_factor: float, branch: str = "main") -> RunRecord:
    rng = np.random.default_rng(seed)
    stats, histograms = {}, {}
    for key, factor in ((CHECKOUT, checkout_factor), (SEARCH, 1.0)):
        values = rng.lognormal(-3.0, 0.3, 500) * factor
        failed = 10
        stats[key] = {
            "count": 500.0,
            "p95": float(np.quantile(values, 0.95, method="inverted_cdf")),
            "mean": float(values.mean()),
            "error_rate": failed / 500,
            "max": float(values.max()),
        }
        histograms[key] = Histogram.of_values(values)
    verdict = VerdictRow(
        "session", "latency", "checkout", "p95", None, "<=", 1.0, 0.1, 500, "pass", ""
    )
    facts = RunFacts(f"2026-01-0{seed}T00:00:00+00:00", 0, 1.0, f"{seed}" * 40, branch, "ci-1")
    return RunRecord(facts, stats, histograms, {}, (verdict,))


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        store.add_run(a_run(1, 1.0))
        store.add_run(a_run(2, 1.0))
        store.add_run(a_run(3, 1.3, branch="feature/x"))
    return path


def test_list_shows_every_run_with_its_branch_commit_exit_status_and_verdicts(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "list", str(history)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "started", "branch", "commit", "exit", "SLOs", "host"]
    assert lines[1].split() == [
        "1",
        "2026-01-01T00:00:00+00:00",
        "main",
        "1" * 10,
        "0",
        "1",
        "pass",
        "ci-1",
    ]
    assert lines[3].split()[2] == "feature/x"
    assert len(lines) == 4


def test_list_last_shows_only_the_newest_runs(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "list", str(history), "--last", "1"]) == EXIT_OK
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["run", "3"]


def test_trend_prints_a_table_and_writes_an_svg_chart(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "charts" / "p95.svg"
    argv = [
        "history",
        "trend",
        str(history),
        "--series",
        "session/latency/checkout",
        "--statistic",
        "p95",
        "--chart",
        str(chart),
    ]
    assert main(argv) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "session|latency|checkout|p95"
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[4].endswith(" ms")
    assert lines[5] == f"qametrics history: wrote {chart}"
    svg = ET.parse(chart).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    points = svg.findall("svg:circle", ns)
    assert len(points) == 3
    assert points[2].findtext("svg:title", namespaces=ns).startswith("run 3 (2026-01-03")  # type: ignore[union-attr]
    assert svg.findtext("svg:title", namespaces=ns) == "session|latency|checkout|p95"


def test_trend_of_one_branch_leaves_the_others_out(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "history",
        "trend",
        str(history),
        "--series",
        "session|latency|checkout",
        "--statistic",
        "p95",
        "--branch",
        "main",
    ]
    assert main(argv) == EXIT_OK
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["1", "2"]


def test_compare_shows_deltas_with_significance_and_gates_with_fail_on_regression(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "history",
        "compare",
        str(history),
        "2",
        "3",
        "--statistic",
        "p95",
        "--tolerance",
        "p95=10%",
    ]
    assert main(argv) == EXIT_OK
    assert main([*argv, "--fail-on-regression"]) == EXIT_FAILED
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "series",
        "statistic",
        "run",
        "2",
        "run",
        "3",
        "change",
        "p",
        "verdict",
    ]
    checkout, search = lines[1].split(), lines[2].split()
    assert checkout[0:2] == ["session/latency/checkout", "p95"]
    assert checkout[-3].startswith("+")
    assert checkout[-3].endswith("%")
    assert checkout[-2:] == ["0.0005", "REGRESSED"]
    assert (search[0], search[-1]) == ("session/latency/search", "ok")
    assert lines[3] == (
        "qametrics history: 1 of 2 statistics regressed (significant at 95% and beyond the "
        "tolerance)"
    )


def test_compare_within_a_generous_tolerance_passes_the_gate(history: Path) -> None:
    argv = [
        "history",
        "compare",
        str(history),
        "2",
        "3",
        "--tolerance",
        "p95=60%",
        "--tolerance",
        "mean=60%",
        "--statistic",
        "p95",
        "--statistic",
        "mean",
        "--fail-on-regression",
    ]
    assert main(argv) == EXIT_OK


def test_compare_of_every_statistic_covers_rates_and_means(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["history", "compare", str(history), "1", "2", "--series", "session/latency/search"]
    assert main(argv) == EXIT_OK
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert [(row[1], row[-1]) for row in rows] == [
        ("error_rate", "ok"),
        ("mean", "ok"),
        ("p95", "ok"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "{path}", "1", "9"], "run 9 is not in"),
        (
            ["trend", "{path}", "--series", "nonsense", "--statistic", "p95"],
            "is not SCOPE/TRACKER/NAME",
        ),
        (
            ["trend", "{path}", "--series", "session/latency/none", "--statistic", "p95"],
            "has no p95",
        ),
        (["compare", "{path}", "1", "2", "--tolerance", "p95"], "is not STAT=VALUE"),
        (
            ["compare", "{path}", "1", "2", "--tolerance", "p95=fast"],
            "p95_regression='fast' is not",
        ),
        (["list", "{missing}"], "there is no history file at"),
    ],
)
def test_unusable_input_exits_2_and_says_why(
    history: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    filled = [a.format(path=history, missing=history.with_name("missing.db")) for a in argv]
    assert main(["history", *filled]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"qametrics history {argv[0]}: error: ")
    assert message in error


def test_a_damaged_file_is_a_usage_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"\x00garbage" * 300)
    assert main(["history", "list", str(path)]) == EXIT_USAGE
    assert "is not a pytest-qametrics history file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("session/latency/checkout", ("session", "latency", "checkout")),
        (
            "tests/test_api.py::test_x/latency/POST /refund",
            ("tests/test_api.py::test_x", "latency", "POST /refund"),
        ),
        ("intent|accuracy|default", ("intent", "accuracy", "default")),
    ],
)
def test_a_series_names_its_scope_tracker_and_name(text: str, key: tuple[str, str, str]) -> None:
    assert parse_series(text) == key
