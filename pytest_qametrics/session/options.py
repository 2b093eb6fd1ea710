"""The command-line options and ini keys of the plugin, declared as one table each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from pytest_qametrics.choices import GATES

__all__ = ["INI_KEYS", "OPTIONS", "IniKey", "Option", "add_options"]

GROUP = ("qametrics", "QA metrics and SLO gating (pytest-qametrics)")


@dataclass(frozen=True, slots=True)
class Option:
    """One ``--qametrics-*`` command-line option; ``extra`` goes to ``addoption`` as it is."""

    flag: str
    help: str
    metavar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IniKey:
    """One ``qametrics_*`` ini key."""

    name: str
    help: str
    default: Any = ""
    type: Literal["linelist", "args", "bool", "paths"] | None = None


OPTIONS: tuple[Option, ...] = (
    Option(
        "--qametrics-gate",
        "What a breached SLO does: 'enforce' turns a passing run into exit code 1, 'warn' "
        "reports the breach and keeps the exit code, 'off' skips SLO evaluation. "
        "Default: the qametrics_gate ini value, else enforce.",
        extra={"choices": GATES},
    ),
    Option(
        "--qametrics-report",
        "Write the reports (report.html, report.json, slos.csv, series.csv) and the "
        "mergeable data artifact qametrics-data.json into the report directory.",
        extra={"action": "store_true", "default": False},
    ),
    Option(
        "--qametrics-report-dir",
        "Directory for the reports, relative to the directory pytest was started in. "
        "Default: the qametrics_report_dir ini value (relative to the rootdir), else "
        "qametrics-report.",
        metavar="DIR",
    ),
    Option(
        "--qametrics-formats",
        "Comma-separated report formats out of html,json,csv,prom (prom writes metrics.prom, "
        "the Prometheus text format). Default: html,json,csv.",
        metavar="LIST",
    ),
    Option(
        "--qametrics-history",
        "Append this run (statistics, histograms, verdicts) to the history PATH: an SQLite "
        "file relative to the directory pytest was started in, or a shared PostgreSQL "
        "database named by a postgresql:// URL or a libpq service=NAME string (the password "
        "from the URL, PGPASSWORD or ~/.pgpass; it is never printed). Regression keys such as "
        "p95_regression='10%%' then compare with the latest earlier run. "
        "Default: the qametrics_history ini value (relative to the rootdir).",
        metavar="PATH_OR_URL",
    ),
    Option(
        "--qametrics-baseline",
        "What regression keys compare with: 'last' (the default with a history file: the "
        "latest earlier run on this git branch), a run id of the history file, or the path "
        "of a report.json. Default: the qametrics_baseline ini value.",
        metavar="REF",
    ),
    Option(
        "--qametrics-prometheus",
        "Write the run's metrics (SLO verdicts, latency histograms, rates, run facts) in the "
        "Prometheus text format to FILE, atomically, e.g. for node_exporter's textfile "
        "collector (name it *.prom). Default: the qametrics_prometheus ini value.",
        metavar="FILE",
    ),
    Option(
        "--qametrics-pushgateway",
        "Push the run's metrics once at session end to the Prometheus Pushgateway at URL "
        "(PUT: replaces the previous push of the same job and grouping labels). "
        "Default: the qametrics_pushgateway ini value.",
        metavar="URL",
    ),
    Option(
        "--qametrics-alert-dry-run",
        "Print the alert messages the qametrics_alert lines would send (secrets masked) "
        "instead of sending them.",
        extra={"action": "store_true", "default": False},
    ),
)

INI_KEYS: tuple[IniKey, ...] = (
    IniKey("qametrics_prometheus", "See --qametrics-prometheus; ${NAME} reads an env variable."),
    IniKey(
        "qametrics_pushgateway",
        "See --qametrics-pushgateway; ${NAME} reads the URL (or a part) from the environment.",
    ),
    IniKey(
        "qametrics_push_job",
        "The job label of the Pushgateway group, also the project name alerts show. "
        "Default: the rootdir's name.",
    ),
    IniKey(
        "qametrics_push_labels",
        "More grouping labels of the push, e.g. 'branch=${GITHUB_REF_NAME} suite=nightly'; "
        "keep them few and stable (the gateway keeps every group until it is deleted).",
        default=[],
        type="args",
    ),
    IniKey(
        "qametrics_alert",
        "Alert webhooks, one per line: 'slack ${SLACK_WEBHOOK_URL} on=fail,warn', "
        "'pagerduty ${PD_ROUTING_KEY} severity=critical', 'webhook https://host/path on=fail'.",
        default=[],
        type="linelist",
    ),
    IniKey(
        "qametrics_export_timeout",
        "Seconds the Pushgateway push and the alerts may take in all (default 10).",
        default="10",
    ),
    IniKey(
        "qametrics_export_failure",
        "What a failed export does: warn (default: an ERROR line, exit code unchanged) or "
        "fail (a passing run exits 1).",
        default="warn",
    ),
    IniKey(
        "qametrics_export_max_label_values",
        "Distinct values each of the group, operation, slice and metric labels may take in "
        "one export; series past it are left out with a warning (default 200).",
        default="200",
    ),
    IniKey("qametrics_history", "See --qametrics-history; relative to the rootdir."),
    IniKey("qametrics_baseline", "See --qametrics-baseline; a path is relative to the rootdir."),
    IniKey("qametrics_report_dir", "See --qametrics-report-dir; relative to the rootdir."),
    IniKey("qametrics_formats", "See --qametrics-formats."),
    IniKey(
        "qametrics_slo",
        "Session-wide SLOs, one per line, e.g. 'latency[operation=checkout].p95 <= 500ms' "
        "or 'latency.error_rate <= 0.01 severity=warn min_samples=50'.",
        default=[],
        type="linelist",
    ),
    IniKey("qametrics_gate", "enforce, warn or off; see --qametrics-gate."),
    IniKey(
        "qametrics_no_data",
        "How an SLO with no (or too few) samples counts: fail (default), warn or pass.",
        default="fail",
    ),
    IniKey(
        "qametrics_token_prices",
        "USD prices per million tokens, one model per line, e.g. "
        "'gpt-4o input=2.50 output=10.00'; metrics.record_tokens() then records cost_usd.",
        default=[],
        type="linelist",
    ),
    IniKey(
        "qametrics_exact_samples",
        "Samples kept exactly per series and process; past that a series folds into a "
        "histogram whose percentiles are within 0.5% (count, mean, min, max stay exact).",
        default="1000000",
    ),
    IniKey(
        "qametrics_inconclusive",
        "How an SLO with confidence= whose interval straddles the threshold counts: "
        "warn (default), fail (pass only on demonstrated compliance) or pass (fail only on "
        "a demonstrated breach).",
        default="warn",
    ),
    IniKey(
        "qametrics_percentile",
        "Percentile definition: nearest-rank (default; always an observed sample, so "
        "'p95 <= T' means at least 95% of samples are <= T) or linear (numpy's default, k6's).",
        default="nearest-rank",
    ),
    IniKey(
        "qametrics_trials",
        "Trials per case of every test function with an evals SLO (pass_rate, pass_hat_k, "
        "...) and no trials= of its own: each case runs as that many items, "
        "test_x[case-trial1] ... (default: 1, no repetition).",
        default="",
    ),
    IniKey(
        "qametrics_budget_usd",
        "Stop starting tests once the cost_usd metric recorded in the session reaches this "
        "many USD, e.g. 5.00; tests not started are skipped and named in the summary.",
        default="",
    ),
    IniKey(
        "qametrics_rerun_samples",
        "Which samples of a test that pytest-rerunfailures ran again count: final (default; "
        "only the last attempt's, and the summary says how many earlier samples were left "
        "out) or all (every attempt's, since a slow failed attempt was still a slow call).",
        default="final",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    """Declare every option (in the ``qametrics`` help group) and every ini key."""
    group = parser.getgroup(*GROUP)
    for option in OPTIONS:
        extra = {"default": None, **option.extra}
        if option.metavar is not None:
            extra["metavar"] = option.metavar
        group.addoption(option.flag, help=option.help, **extra)
    for key in INI_KEYS:
        if key.type is None:
            parser.addini(key.name, help=key.help, default=key.default)
        else:
            parser.addini(key.name, help=key.help, default=key.default, type=key.type)
