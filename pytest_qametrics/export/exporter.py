"""Run every export of a finished run once: textfiles, the Pushgateway push, the alerts."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from pytest_qametrics.export import prometheus
from pytest_qametrics.export.config import AlertTarget, ExportConfig
from pytest_qametrics.export.context import RunContext
from pytest_qametrics.export.delivery import Delivery, deliver_all, post_json
from pytest_qametrics.export.families import metric_families, series_count
from pytest_qametrics.export.payloads import (
    generic_payload,
    pagerduty_events,
    run_state,
    slack_message,
)
from pytest_qametrics.export.redact import MASK
from pytest_qametrics.export.result import PROM_FORMAT, PROM_NAME, ExportResult, wants
from pytest_qametrics.samples.collector import Collector

__all__ = ["PROM_FORMAT", "PROM_NAME", "ExportResult", "alert_messages", "run_exports", "wants"]


def alert_messages(
    target: AlertTarget, report: dict[str, Any], context: RunContext
) -> tuple[str, list[dict[str, Any]]]:
    """Where a target's messages go and the messages (none when its ``on=`` says no)."""
    if target.kind == "pagerduty":
        return target.url, pagerduty_events(report, context, target)
    if run_state(report) not in target.on:
        return target.destination, []
    if target.kind == "slack":
        return target.destination, [slack_message(report, context)]
    return target.destination, [generic_payload(report, context)]


def _alert_delivery(target: AlertTarget, url: str, messages: list[dict[str, Any]]) -> Delivery:
    accepted = (202,) if target.kind == "pagerduty" else (200,)

    def send(deadline: float) -> str:
        for message in messages:
            post_json(url, message, deadline, accepted)
        return f"qametrics: sent {len(messages)} {target.kind} message(s) to {target.shown}"

    return Delivery(target.shown, send)


def _dry_run_lines(target: AlertTarget, messages: list[dict[str, Any]]) -> list[str]:
    shown = [{**m, "routing_key": MASK} if "routing_key" in m else m for m in messages]
    head = f"qametrics alert dry run: would POST {len(messages)} message(s) to {target.shown}"
    return [head, *json.dumps(shown, indent=2).splitlines()] if messages else [head]


def _prometheus(
    config: ExportConfig,
    report: dict[str, Any],
    collector: Collector | None,
    prom_file: Path | None,
    result: ExportResult,
    context: RunContext,
) -> list[Delivery]:
    families, warnings = metric_families(report, collector, config.max_label_values)
    result.lines += warnings
    registry = prometheus.registry_of(families)
    count = series_count(families)
    files = [Path(config.prometheus)] if config.prometheus else []
    files += [prom_file] if prom_file is not None else []
    text = prometheus.exposition(registry) if files else b""  # formatted once for every file
    for path in files:
        try:
            prometheus.write_textfile(path, text)
            result.written.append(path)
        except OSError as err:
            result.errors.append(f"ERROR qametrics export: textfile {path}: {err}")
    gateway = config.pushgateway
    if gateway is None:
        return []
    if not gateway.job:  # qametrics_push_job unset: the project (the rootdir's name)
        gateway = dataclasses.replace(gateway, job=context.project)

    def send(deadline: float) -> str:
        prometheus.push(gateway, registry, max(0.001, deadline - time.monotonic()))
        labels = "".join(f", {k}={v}" for k, v in gateway.labels)
        return f"qametrics: pushed {count} series to {gateway.shown} (job={gateway.job}{labels})"

    return [Delivery(gateway.shown, send)]


def run_exports(
    report: dict[str, Any],
    collector: Collector | None,
    config: ExportConfig,
    context: RunContext,
    prom_file: Path | None = None,
) -> ExportResult:
    """Export the run once; never raises for a target that fails, it reports it instead."""
    result = ExportResult()
    deliveries: list[Delivery] = []
    needs_metrics = config.prometheus or config.pushgateway or prom_file
    try:
        if needs_metrics:
            deliveries += _prometheus(config, report, collector, prom_file, result, context)
        messages_of = [
            (target, *alert_messages(target, report, context)) for target in config.alerts
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # a damaged report model
        result.errors.append(f"ERROR qametrics export: cannot build the exports: {err!r}")
        return result
    for target, url, messages in messages_of:
        if config.dry_run:
            result.lines += _dry_run_lines(target, messages)
        elif messages:
            deliveries.append(_alert_delivery(target, url, messages))
    if deliveries:
        said, errors = deliver_all(deliveries, config.timeout, config.redactor)
        result.lines += said
        result.errors += errors
    return result
