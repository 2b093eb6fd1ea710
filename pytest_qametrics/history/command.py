"""``qametrics history``: list, chart, compare, prune and export the runs of a history."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_qametrics.history.chart import line_chart
from pytest_qametrics.history.period import PeriodError, parse_age
from pytest_qametrics.history.store import HistoryError, HistoryStore
from pytest_qametrics.history.target import parse_target
from pytest_qametrics.history.upkeep import export, prune
from pytest_qametrics.judge.baseline import SeriesData, SeriesKey
from pytest_qametrics.judge.regression import Regression, assess, shown
from pytest_qametrics.judge.series import trend_key
from pytest_qametrics.judge.significance import DEFAULT_SIGNIFICANCE
from pytest_qametrics.samples.artifact import write_atomic
from pytest_qametrics.slo.catalogue import REGRESSION_SUFFIX, TRACKERS, statistic_info
from pytest_qametrics.slo.thresholds import Threshold, ThresholdError, parse_threshold

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "add_parser", "main", "parse_series", "run"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_TRACKERS = tuple(TRACKERS)
_WHERE = "The history: an SQLite file, a postgresql:// URL or a service=NAME string."


class CommandError(ValueError):
    """A command-line value that cannot be used."""


def open_history(text: str) -> HistoryStore:
    """The history a command names: an existing file or a server (created there if new)."""
    return HistoryStore(parse_target(text), create=False)


def _count(text: str) -> int:
    """An ``--last`` value: a whole number >= 1 (0 would list nothing and say "no runs yet")."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--last needs a whole number >= 1, not {text!r}")
    return int(text)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``history`` verb and its own verbs to the ``qametrics`` sub-parsers."""
    history: argparse.ArgumentParser = subparsers.add_parser(
        "history",
        help="List, chart, compare, prune, export and report the runs of a history.",
        description=(
            "Read the history that pytest --qametrics-history=PATH_OR_URL appends to (an "
            "SQLite file or a postgresql:// URL): list its runs, show how one statistic of one "
            "series moved, compare two runs, prune old runs, export series, or write the "
            "weekly report."
        ),
    )
    verbs = history.add_subparsers(dest="history_verb", required=True)
    listing = verbs.add_parser("list", help="List the runs, newest last.")
    listing.add_argument("path", help=_WHERE)
    listing.add_argument(
        "--last", type=_count, metavar="N", help="Only the N most recent runs (N >= 1)."
    )
    trend = verbs.add_parser("trend", help="One statistic of one series over the runs.")
    trend.add_argument("path", help=_WHERE)
    trend.add_argument(
        "--series",
        required=True,
        metavar="SCOPE/TRACKER/NAME",
        help="e.g. session/latency/checkout (SCOPE|TRACKER|NAME works too).",
    )
    trend.add_argument("--statistic", required=True, help="e.g. p95, error_rate, f1_macro.")
    trend.add_argument("--last", type=_count, default=20, metavar="N", help="Runs shown (20).")
    trend.add_argument("--branch", help="Only runs of this git branch.")
    trend.add_argument("--chart", type=Path, metavar="FILE", help="Also write an SVG chart.")
    _add_compare(verbs)
    _add_upkeep(verbs)
    _add_report(verbs)
    return history


def _add_compare(verbs: Any) -> None:
    comparing = verbs.add_parser(
        "compare",
        help="Compare two runs series by series, with significance.",
        description=(
            "Compare every statistic that has a regression key (p95, mean, error_rate, "
            "accuracy, f1_macro, escalation_rate...) of every series both runs recorded. A "
            "statistic REGRESSED when it got worse beyond its tolerance (default 0: any "
            "worsening) and the worsening is significant at --confidence. Each statistic is "
            "its own test, so restrict --series and --statistic to what you gate on."
        ),
    )
    comparing.add_argument("path", help=_WHERE)
    comparing.add_argument("run_a", type=int, help="The baseline run id.")
    comparing.add_argument("run_b", type=int, help="The run compared with it.")
    comparing.add_argument(
        "--series", action="append", default=[], metavar="SCOPE/TRACKER/NAME", help="Repeatable."
    )
    comparing.add_argument("--statistic", action="append", default=[], help="Repeatable.")
    comparing.add_argument(
        "--tolerance",
        action="append",
        default=[],
        metavar="STAT=VALUE",
        help="As the regression keys: p95=10%%, mean=50ms, accuracy=0.02. Repeatable.",
    )
    comparing.add_argument(
        "--confidence", type=float, default=DEFAULT_SIGNIFICANCE, help="Default 0.95."
    )
    comparing.add_argument(
        "--fail-on-regression", action="store_true", help="Exit 1 when a statistic regressed."
    )


def _add_upkeep(verbs: Any) -> None:
    pruning = verbs.add_parser(
        "prune",
        help="Delete old runs with everything recorded with them.",
        description=(
            "Delete the runs beyond the N most recent (--keep-last N) or those started longer "
            "ago than an age such as 90d, 12w or 36h (--older-than), atomically. --dry-run only "
            "lists what would go."
        ),
    )
    pruning.add_argument("path", help=_WHERE)
    which = pruning.add_mutually_exclusive_group(required=True)
    which.add_argument("--keep-last", type=int, metavar="N", help="Keep the N newest runs.")
    which.add_argument("--older-than", metavar="AGE", help="Delete runs older than AGE (90d).")
    pruning.add_argument(
        "--dry-run", action="store_true", help="Say what would be deleted; delete nothing."
    )
    exporting = verbs.add_parser(
        "export",
        help="Write series statistics over the runs as CSV or JSON.",
        description=(
            "Write the statistics of one or more series over the runs, one row per run, "
            "series and statistic, for spreadsheets and notebooks. Without --series and "
            "--statistic every stored statistic is written."
        ),
    )
    exporting.add_argument("path", help=_WHERE)
    exporting.add_argument(
        "--series", action="append", default=[], metavar="SCOPE/TRACKER/NAME", help="Repeatable."
    )
    exporting.add_argument("--statistic", action="append", default=[], help="Repeatable.")
    exporting.add_argument("--branch", help="Only runs of this git branch.")
    exporting.add_argument("--last", type=int, metavar="N", help="Only the N most recent runs.")
    exporting.add_argument("--format", choices=("csv", "json"), default="csv", help="csv or json.")
    exporting.add_argument(
        "--output", type=Path, metavar="FILE", help="Write here instead of standard output."
    )


def _add_report(verbs: Any) -> None:
    weekly = verbs.add_parser(
        "report",
        help="Write the report of a period (a week by default) with recommendations.",
        description=(
            "Summarise the runs of a period against the period before it: key metrics with "
            "their change and significance, SLO breaches, the top regressions, cost per run and "
            "per model, flaky SLOs and recommendations, as HTML and/or Markdown."
        ),
    )
    weekly.add_argument("path", help=_WHERE)
    weekly.add_argument(
        "--since", default="7d", metavar="AGE", help="The period: the last AGE (7d, 2w, 36h)."
    )
    weekly.add_argument("--branch", help="Only runs of this git branch.")
    weekly.add_argument("--html", type=Path, metavar="FILE", help="Write the HTML page here.")
    weekly.add_argument("--markdown", type=Path, metavar="FILE", help="Write Markdown here.")


def parse_series(text: str) -> SeriesKey:
    """``scope/tracker/name`` or ``scope|tracker|name``; scope and name may contain ``/``."""
    if "|" in text:
        parts = text.split("|")
        if len(parts) == 3 and parts[1] in _TRACKERS and parts[0] and parts[2]:
            return (parts[0], parts[1], parts[2])
    parts = text.split("/")
    for index in range(1, len(parts) - 1):
        if parts[index] in _TRACKERS:
            scope, name = "/".join(parts[:index]), "/".join(parts[index + 1 :])
            if scope and name:
                return (scope, parts[index], name)
    raise CommandError(
        f"--series {text!r} is not SCOPE/TRACKER/NAME with a tracker out of "
        f"{', '.join(_TRACKERS)}, e.g. session/latency/checkout"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return [line.rstrip() for line in lines]


def _list(args: argparse.Namespace) -> int:
    with open_history(args.path) as store:
        runs = store.runs(last=args.last)
        counts = store.verdict_counts()
    if not runs:
        print(f"{store.path}: no runs yet")
        return EXIT_OK
    rows = []
    for run in runs:
        facts, tally = run.facts, counts.get(run.id)
        slos = ", ".join(f"{n} {v}" for v, n in sorted(tally.items())) if tally else "-"
        commit = (facts.git_commit or "-")[:10]
        rows.append(
            (
                str(run.id),
                facts.started,
                facts.git_branch or "-",
                commit,
                str(facts.exit_status),
                slos,
                facts.host or "-",
            )
        )
    for line in _table(("run", "started", "branch", "commit", "exit", "SLOs", "host"), rows):
        print(line)
    return EXIT_OK


def _trend(args: argparse.Namespace) -> int:
    key = parse_series(args.series)
    with open_history(args.path) as store:
        points = store.trend(key, args.statistic, args.last, args.branch)
    name = trend_key(key, args.statistic)
    if not points:
        raise CommandError(
            f"{parse_target(args.path)} has no {args.statistic} of the series {args.series!r}"
        )

    def show(value: float) -> str:
        return shown(value, key[1], args.statistic)

    rows = [
        (str(p.run), p.started, p.git_branch or "-", (p.git_commit or "-")[:10], show(p.value))
        for p in points
    ]
    print(name)
    for line in _table(("run", "started", "branch", "commit", args.statistic), rows):
        print(line)
    if args.chart:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(args.chart, line_chart(points, name, show))
        print(f"qametrics history: wrote {args.chart}")
    return EXIT_OK


def _tolerances(items: list[str]) -> dict[str, str]:
    found = {}
    for item in items:
        statistic, eq, value = item.partition("=")
        if not eq or not value.strip():
            raise CommandError(f"--tolerance {item!r} is not STAT=VALUE, e.g. p95=10%")
        found[statistic.strip()] = value.strip()
    return found


def _tolerance(tracker: str, statistic: str, raw: str | None) -> Threshold:
    info = statistic_info(tracker, statistic + REGRESSION_SUFFIX)
    if info is None:  # pragma: no cover - only statistics with a regression key are compared
        raise CommandError(f"{statistic} of {tracker} has no regression key")
    try:
        return parse_threshold(raw if raw is not None else 0.0, info)
    except ThresholdError as err:
        raise CommandError(f"--tolerance {statistic}: {err}") from None


def _comparable(tracker: str, statistics: Sequence[str], wanted: Sequence[str]) -> list[str]:
    table = TRACKERS.get(tracker, {})
    return [s for s in statistics if s + REGRESSION_SUFFIX in table and (not wanted or s in wanted)]


Row = tuple[str, str, str, str, str, str, str]


def _compare(args: argparse.Namespace) -> int:
    if not 0.5 < args.confidence < 1:
        raise CommandError(f"--confidence must be between 0.5 and 1, not {args.confidence}")
    with open_history(args.path) as store:
        then_all, now_all = (_run_series(store, run) for run in (args.run_a, args.run_b))
    rows, regressed = _comparison_rows(args, then_all, now_all)
    if not rows:
        raise CommandError(
            f"runs {args.run_a} and {args.run_b} have no comparable statistic in common"
        )
    header = ("series", "statistic", f"run {args.run_a}", f"run {args.run_b}", "change", "p")
    for line in _table((*header, "verdict"), rows):
        print(line)
    level = f"{args.confidence:.0%}"
    print(
        f"qametrics history: {regressed} of {len(rows)} statistics regressed "
        f"(significant at {level} and beyond the tolerance)"
    )
    return EXIT_FAILED if regressed and args.fail_on_regression else EXIT_OK


def _comparison_rows(
    args: argparse.Namespace,
    then_all: dict[SeriesKey, SeriesData],
    now_all: dict[SeriesKey, SeriesData],
) -> tuple[list[Row], int]:
    """One table row per statistic the two runs share, and how many of them regressed."""
    tolerances = _tolerances(args.tolerance)
    wanted_series = {parse_series(s) for s in args.series}
    rows: list[Row] = []
    regressed = 0
    for key in sorted(set(then_all) & set(now_all)):
        if wanted_series and key not in wanted_series:
            continue
        then, now = then_all[key], now_all[key]
        common = sorted(set(then.stats) & set(now.stats))
        for statistic in _comparable(key[1], common, args.statistic):
            tolerance = _tolerance(key[1], statistic, tolerances.get(statistic))
            judged = assess(
                key[1], statistic, now, then, tolerance, args.confidence, f"run {args.run_a}"
            )
            regressed += judged.status == "fail"
            rows.append(_comparison_row(key, statistic, judged.status, judged.regression))
    return rows, regressed


def _comparison_row(
    key: SeriesKey, statistic: str, status: str, regression: Regression | None
) -> Row:
    shown_status = {"fail": "REGRESSED", "pass": "ok", "no_data": "untested"}[status]
    if regression is None:
        return ("/".join(key), statistic, "-", "-", "-", "-", shown_status)
    tracker = key[1]
    change = (
        f"{regression.change:+.1%}"
        if regression.relative
        else shown(regression.change, tracker, statistic, signed=True)
    )
    p = "-" if regression.p_value is None else f"{regression.p_value:.2g}"
    return (
        "/".join(key),
        statistic,
        shown(regression.previous, tracker, statistic),
        shown(regression.current, tracker, statistic),
        change,
        p,
        shown_status,
    )


def _run_series(store: HistoryStore, run_id: int) -> dict[SeriesKey, SeriesData]:
    path = store.path
    if store.run(run_id) is None:
        raise CommandError(
            f"run {run_id} is not in {path}; 'qametrics history list {path}' shows the runs"
        )
    histograms, confusions = store.histograms(run_id), store.confusions(run_id)
    return {
        key: SeriesData(stats, histograms.get(key), confusions.get(key))
        for key, stats in store.stats(run_id).items()
    }


def _prune(args: argparse.Namespace) -> int:
    if args.keep_last is not None and args.keep_last < 0:
        raise CommandError(f"--keep-last must be 0 or more, not {args.keep_last}")
    age = parse_age(args.older_than, "--older-than") if args.older_than else None
    with open_history(args.path) as store:
        for line in prune(store, args.keep_last, age, args.dry_run):
            print(line)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    if args.last is not None and args.last < 1:
        raise CommandError(f"--last must be 1 or more, not {args.last}")
    series = [parse_series(s) for s in args.series]
    with open_history(args.path) as store:
        text, rows = export(store, series, args.statistic, args.branch, args.last, args.format)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, text)
    print(f"qametrics history export: wrote {rows} rows to {args.output}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run ``qametrics history VERB``; return the exit code (2 on an unusable file or value)."""
    verbs = {"list": _list, "trend": _trend, "compare": _compare, "prune": _prune}
    verbs["export"] = _export
    try:
        return verbs[args.history_verb](args)
    except (HistoryError, CommandError, PeriodError, OSError) as err:
        print(f"qametrics history {args.history_verb}: error: {err}", file=sys.stderr)
        return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """``qametrics history ...`` on its own, e.g. ``main(["history", "list", "h.db"])``."""
    parser = argparse.ArgumentParser(prog="qametrics")
    add_parser(parser.add_subparsers(dest="verb", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
