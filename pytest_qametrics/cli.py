"""The ``qametrics`` command: ``merge`` judges SLOs over many runs; ``render`` redraws reports."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from pytest_qametrics.export import command as export_command
from pytest_qametrics.export.config import ExportConfig, ExportConfigError
from pytest_qametrics.export.exporter import PROM_FORMAT, PROM_NAME
from pytest_qametrics.history import command as history_command
from pytest_qametrics.history.baseline import BaselineError
from pytest_qametrics.history.errors import HistoryError
from pytest_qametrics.history.period import PeriodError, parse_age, period_report
from pytest_qametrics.history.session import history_keeper
from pytest_qametrics.judge.evaluation import GATES, POLICIES, evaluate, gate_outcome
from pytest_qametrics.report.files import ReportError, load_report, render_csv, write_reports
from pytest_qametrics.report.formats import DEFAULT_FORMATS
from pytest_qametrics.report.html import render_html
from pytest_qametrics.report.markdown import markdown_summary
from pytest_qametrics.report.model import RunInfo, build_report
from pytest_qametrics.report.terminal import plural, summary_lines
from pytest_qametrics.report.weekly import weekly_html, weekly_markdown
from pytest_qametrics.samples.artifact import (
    ARTIFACT_NAME,
    ArtifactError,
    dump_collector,
    load_collector,
    merge_into,
    read_artifact,
    write_atomic,
)
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.text import one_line
from pytest_qametrics.settings import SettingsError, formats_from
from pytest_qametrics.stats.digest import DEFAULT_EXACT_CAP
from pytest_qametrics.stats.percentiles import METHODS, PercentileMethod

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qametrics", description="Work with pytest-qametrics data outside pytest."
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    merge = verbs.add_parser(
        "merge",
        help="Judge every SLO over the union of several runs' report directories.",
        description=(
            "Pool the qametrics-data.json artifacts of several pytest runs (for example CI "
            "shards, each run with --qametrics-report), judge every SLO over the union, write "
            "the reports and exit 1 when an SLO failed."
        ),
    )
    merge.add_argument("inputs", nargs="+", type=Path, help="Report directories or data files.")
    merge.add_argument("--report-dir", type=Path, required=True, help="Where to write the reports.")
    merge.add_argument(
        "--formats", default=",".join(DEFAULT_FORMATS), help="Subset of html,json,csv,prom."
    )
    merge.add_argument("--gate", choices=GATES, default="enforce", help="As --qametrics-gate.")
    merge.add_argument("--no-data", choices=POLICIES, default="fail", help="As qametrics_no_data.")
    merge.add_argument(
        "--inconclusive", choices=POLICIES, default="warn", help="As qametrics_inconclusive."
    )
    merge.add_argument(
        "--history",
        metavar="PATH_OR_URL",
        default="",
        help="Append the merged run to this history (an SQLite file or a postgresql:// URL), "
        "as --qametrics-history does for a pytest run.",
    )
    merge.add_argument(
        "--baseline",
        metavar="REF",
        default="",
        help="What regression keys compare with: 'last' (the default with --history), a run "
        "id of the history, or a report.json, as --qametrics-baseline.",
    )
    export_command.add_arguments(merge)
    render = verbs.add_parser(
        "render",
        help="Render a report.json again as HTML, CSV or Markdown.",
        description=(
            "Read the report.json of a run (or of qametrics merge) and write it again in other "
            "formats, for example after downloading it from a CI job."
        ),
    )
    render.add_argument("report", type=Path, help="The report.json to render.")
    render.add_argument("--html", type=Path, metavar="FILE", help="Write the HTML page here.")
    render.add_argument(
        "--csv", type=Path, metavar="DIR", help="Write slos.csv and series.csv into DIR."
    )
    render.add_argument(
        "--markdown", type=Path, metavar="FILE", help="Write the Markdown job summary here."
    )
    export_command.add_arguments(render)
    history_command.add_parser(verbs)
    return parser


def render(args: argparse.Namespace, exports: ExportConfig) -> int:
    """Run ``qametrics render``; return the exit code."""
    if not (args.html or args.csv or args.markdown or export_command.wanted(exports)):
        raise ReportError(
            "say what to write: --html FILE, --csv DIR and/or --markdown FILE (or export: "
            "--prometheus FILE, --pushgateway URL, --alert LINE)"
        )
    report = load_report(args.report)
    outputs: list[tuple[Path, str]] = []
    try:
        if args.html:
            outputs.append((args.html, render_html(report)))
        if args.csv:
            outputs += [(args.csv / name, text) for name, text in render_csv(report).items()]
        if args.markdown:
            outputs.append((args.markdown, markdown_summary(report)))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ReportError(f"{args.report}: damaged report ({err!r} is missing or wrong)") from err
    for path, text in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    if outputs:
        print(f"qametrics: wrote {', '.join(str(path) for path, _ in outputs)}")
    # latency histograms need the samples: the data artifact the run wrote next to report.json
    artifact = args.report.parent / ARTIFACT_NAME
    collector = load_collector(artifact, DEFAULT_EXACT_CAP)[0] if artifact.is_file() else None
    failed = export_command.export_from_command(exports, report, collector)
    return EXIT_FAILED if failed else EXIT_OK


def _artifact_path(path: Path) -> Path:
    return path / ARTIFACT_NAME if path.is_dir() else path


def _load_all(
    inputs: list[Path], report_dir: Path
) -> tuple[Collector, PercentileMethod, list[str], str]:
    """Pool every input; a run given twice, or the output dir given as an input, is refused
    (its samples would count twice); different projects are pooled with a warning."""
    merged = Collector([], DEFAULT_EXACT_CAP)
    methods: set[str] = set()
    seen: dict[str, Path] = {}
    projects: dict[str, Path] = {}
    for path in inputs:
        artifact_path = _artifact_path(path)
        if artifact_path.resolve() == (report_dir / ARTIFACT_NAME).resolve():
            raise ArtifactError(
                f"{path} is also the --report-dir: merging into an input would count its "
                f"samples again on every call; write the merged reports to another directory"
            )
        artifact = read_artifact(artifact_path, DEFAULT_EXACT_CAP)
        for run in artifact.runs:
            if run in seen:
                raise ArtifactError(
                    f"{artifact_path} holds run {run}, which {seen[run]} already holds: each "
                    f"run may be merged once (pass every shard once, and a merged directory "
                    f"without the shards it came from)"
                )
            seen[run] = artifact_path
        if artifact.project:
            projects.setdefault(artifact.project, artifact_path)
        methods.add(artifact.percentile)
        merge_into(merged, artifact.collector)
    if len(projects) > 1:
        names = ", ".join(f"{name!r} ({where})" for name, where in sorted(projects.items()))
        print(
            f"qametrics merge: warning: the artifacts come from different projects: {names}; "
            f"groups of the same name are pooled as one",
            file=sys.stderr,
        )
    chosen = [m for m in METHODS if {m} == methods]
    if not chosen:
        raise ArtifactError(
            f"the runs used different percentile definitions ({', '.join(sorted(methods))}); "
            f"set the same qametrics_percentile in every shard"
        )
    project = next(iter(projects)) if len(projects) == 1 else ""
    return merged, chosen[0], list(seen), project


def merge(args: argparse.Namespace, exports: ExportConfig) -> int:
    """Run ``qametrics merge``; return the exit code."""
    started = datetime.now(timezone.utc)
    merged, method, runs, project = _load_all(args.inputs, args.report_dir)
    formats = formats_from(args.formats)
    here = Path.cwd()
    keeper = history_keeper(args.history, here, args.baseline, here, here)
    statistics = [spec.statistic for spec in merged.specs]
    baseline = keeper.baseline(statistics) if keeper is not None else None
    scopes = merged.scopes()
    verdicts = [] if args.gate == "off" else evaluate(merged.specs, scopes, method, baseline)
    outcome = gate_outcome(verdicts, args.no_data, args.inconclusive)
    # a shard's lost worker fails the union too (fail closed), as it failed the shard's own run
    incomplete = bool(merged.workers.problems or merged.workers.lost)
    failed = (outcome.breached or incomplete) and args.gate == "enforce"
    run = RunInfo(
        started=started.isoformat(timespec="seconds"),
        duration=round((datetime.now(timezone.utc) - started).total_seconds(), 3),
        exit_status=EXIT_FAILED if failed else EXIT_OK,
        gate=args.gate,
        pytest_version="-",
    )
    report = build_report(verdicts, outcome, merged, method, run)
    if keeper is not None:  # adds "trends"; its failures only add "problems"
        keeper.record(report, verdicts, scopes, method)
    data = dump_collector(merged, method, runs, project)
    written = write_reports(report, args.report_dir, formats, ((ARTIFACT_NAME, data),))
    for problem in [*merged.workers.problems, *(keeper.problems if keeper else [])]:
        print(one_line(f"ERROR    {problem}"))
    for lost in merged.workers.lost.values():
        print(one_line(f"LOST     {lost.describe()}"))
    for line in summary_lines(verdicts, outcome, args.gate):
        print(one_line(line))
    if keeper is not None and keeper.recorded:
        print(keeper.recorded)
    count = plural(len(args.inputs), "run")
    print(f"qametrics: merged {count}; wrote {', '.join(map(str, written))}")
    prom = args.report_dir / PROM_NAME if PROM_FORMAT in formats else None
    failed = export_command.export_from_command(exports, report, merged, prom) or failed
    return EXIT_FAILED if failed else EXIT_OK


def history_report(args: argparse.Namespace) -> int:
    """Run ``qametrics history report``: the period's data from history/, rendered by report/."""
    if not (args.html or args.markdown):
        raise ReportError("say what to write: --html FILE and/or --markdown FILE")
    since = parse_age(args.since, "--since")
    with history_command.open_history(args.path) as store:
        data = period_report(store, since, args.branch)
    outputs = [(args.html, weekly_html), (args.markdown, weekly_markdown)]
    written = []
    for path, render_page in outputs:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, render_page(data))
            written.append(str(path))
    period = data["period"]
    print(f"qametrics history report: {period['runs']} runs; wrote {', '.join(written)}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qametrics`` console script."""
    args = _parser().parse_args(argv)
    if args.verb == "history" and args.history_verb == "report":
        try:
            return history_report(args)
        except (HistoryError, PeriodError, ReportError, OSError) as err:
            print(f"qametrics history report: error: {err}", file=sys.stderr)
            return EXIT_USAGE
    if args.verb == "history":
        return history_command.run(args)  # prints its own errors; returns 0, 1 or 2
    try:
        exports = export_command.config_from(args, os.environ)  # a missing ${NAME} stops here
        return render(args, exports) if args.verb == "render" else merge(args, exports)
    except (
        ArtifactError,
        ReportError,
        SettingsError,
        BaselineError,
        ExportConfigError,
        OSError,
    ) as err:
        print(f"qametrics {args.verb}: error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
