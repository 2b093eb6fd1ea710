"""The export options of ``qametrics merge`` and ``render``: one push for the union of shards."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_qametrics.export.config import FAILURE_POLICIES, ExportConfig, read_export_config
from pytest_qametrics.export.context import run_context
from pytest_qametrics.export.exporter import run_exports, wants
from pytest_qametrics.samples.collector import Collector

__all__ = ["add_arguments", "config_from", "export_from_command", "wanted"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --prometheus, --pushgateway, --push-job, --push-label, --alert and their kin."""
    group = parser.add_argument_group("export (as the qametrics_* settings of a pytest run)")
    group.add_argument("--prometheus", metavar="FILE", help="Write the metrics textfile here.")
    group.add_argument("--pushgateway", metavar="URL", help="Push the metrics here (PUT).")
    group.add_argument("--push-job", metavar="NAME", help="The job label (default: cwd's name).")
    group.add_argument(
        "--push-label",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A grouping label of the push; may be repeated.",
    )
    group.add_argument(
        "--alert",
        action="append",
        default=[],
        metavar="LINE",
        help="A qametrics_alert line, e.g. 'slack ${SLACK_WEBHOOK_URL} on=fail'; may be repeated.",
    )
    group.add_argument("--alert-dry-run", action="store_true", help="Print, do not send, alerts.")
    group.add_argument("--export-timeout", default="10", help="Seconds for push and alerts.")
    group.add_argument("--export-failure", choices=FAILURE_POLICIES, default="warn")


def config_from(args: argparse.Namespace, environ: Mapping[str, str]) -> ExportConfig:
    """The export config of the command line (raises ExportConfigError, a ValueError)."""
    values = {
        "prometheus": args.prometheus,
        "pushgateway": args.pushgateway,
        "push_job": args.push_job,
        "push_labels": args.push_label,
        "alert": args.alert,
        "alert_dry_run": args.alert_dry_run,
        "export_timeout": args.export_timeout,
        "export_failure": args.export_failure,
    }
    return read_export_config(values, environ)


def wanted(config: ExportConfig) -> bool:
    """Whether the command line asks for any export."""
    return wants(config)


def export_from_command(
    config: ExportConfig,
    report: dict[str, Any],
    collector: Collector | None,
    prom_file: Path | None = None,
) -> bool:
    """Run the exports the command line asks for and print what they did; return whether the
    run must fail for it (an export failed and ``--export-failure=fail``)."""
    if not wants(config, prom_file):
        return False
    cwd = Path.cwd()
    context = run_context(config.project or cwd.name, cwd, os.environ)
    result = run_exports(report, collector, config, context, prom_file)
    for line in result.lines:
        print(line)
    for path in result.written:
        print(f"qametrics: wrote {path}")
    for error in result.errors:
        print(error)
    return result.failed and config.failure == "fail"
