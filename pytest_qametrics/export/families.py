"""The run as Prometheus metric families: SLO verdicts, latency histograms, rates, run facts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric

from pytest_qametrics.export.buckets import latency_buckets
from pytest_qametrics.report.model import ALL_OPERATIONS, CALL_DURATIONS
from pytest_qametrics.report.values import statistic_name
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.population import LatencySamples
from pytest_qametrics.slo.spec import SESSION
from pytest_qametrics.version import __version__

__all__ = ["CAPPED_LABELS", "VERDICTS", "LabelCap", "metric_families", "slo_id"]

VERDICTS = ("pass", "fail", "warn", "no_data", "inconclusive", "skipped")
#: Labels whose values come from the test suite (groups, operations, slices, metric names);
#: each may take at most ``max_label_values`` distinct values in one export.
CAPPED_LABELS = ("group", "operation", "slice", "name", "metric")
_SLO_LABELS = ["slo", "group", "tracker", "statistic", "operation", "metric", "slice", "severity"]
_CLASSIFIER = {
    "accuracy": "qametrics_classifier_accuracy_ratio",
    "balanced_accuracy": "qametrics_classifier_balanced_accuracy_ratio",
    "f1_macro": "qametrics_classifier_f1_macro_ratio",
    "precision_macro": "qametrics_classifier_precision_macro_ratio",
    "recall_macro": "qametrics_classifier_recall_macro_ratio",
    "min_class_recall": "qametrics_classifier_min_class_recall_ratio",
    "min_class_precision": "qametrics_classifier_min_class_precision_ratio",
    "count": "qametrics_classifier_samples",
}
_ESCALATION = {
    "escalation_rate": "qametrics_escalation_ratio",
    "automation_rate": "qametrics_automation_ratio",
    "fcr_rate": "qametrics_first_contact_resolution_ratio",
    "resolution_time_mean": "qametrics_resolution_time_mean_seconds",
    "resolution_time_p95": "qametrics_resolution_time_p95_seconds",
    "count": "qametrics_escalation_conversations",
}
_LATENCY = {
    "p50": "qametrics_latency_p50_seconds",
    "p95": "qametrics_latency_p95_seconds",
    "p99": "qametrics_latency_p99_seconds",
    "mean": "qametrics_latency_mean_seconds",
    "error_rate": "qametrics_latency_error_ratio",
    "count": "qametrics_latency_samples",
}
_METRIC = {
    "sum": "qametrics_metric_sum",
    "count": "qametrics_metric_count",
    "mean": "qametrics_metric_mean",
}
_EVALS = {
    "trials": "qametrics_eval_trials",
    "passed": "qametrics_eval_passed_trials",
    "cases": "qametrics_eval_cases",
    "pass_rate": "qametrics_eval_pass_ratio",
    "flaky_cases": "qametrics_eval_flaky_cases",
    "score_mean": "qametrics_eval_score_mean",
}
_TOKENS = {"tokens_input": "input", "tokens_output": "output", "tokens_total": "total"}


class LabelCap:
    """Admits series while each capped label has at most ``limit`` distinct values."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.values: dict[str, set[str]] = {name: set() for name in CAPPED_LABELS}
        self.dropped: Counter[str] = Counter()

    def admit(self, labels: dict[str, str]) -> bool:
        """Whether a series with these labels may be exported (and remember its values)."""
        for name, value in labels.items():
            seen = self.values.get(name)
            if seen is not None and value not in seen and len(seen) >= self.limit:
                self.dropped[name] += 1
                return False
        for name, value in labels.items():
            if name in self.values:
                self.values[name].add(value)
        return True

    def warnings(self) -> list[str]:
        """One line per label that hit the cap."""
        return [
            f"qametrics export: label {name!r} has more than {self.limit} values; {count} "
            f"series with further values were left out (raise qametrics_export_max_label_values, "
            f"or use fewer distinct {name}s)"
            for name, count in sorted(self.dropped.items())
        ]


class _Families:
    """Gauge families by name, created on first use, in a stable order."""

    def __init__(self) -> None:
        self.by_name: dict[str, Metric] = {}

    def gauge(self, name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
        if name not in self.by_name:
            self.by_name[name] = GaugeMetricFamily(name, doc, labels=labels)
        return self.by_name[name]  # type: ignore[return-value]

    def set(self, name: str, doc: str, labels: dict[str, str], value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.gauge(name, doc, list(labels)).add_metric(list(labels.values()), float(value))


def slo_id(slo: dict[str, Any]) -> str:
    """A stable name of one SLO (one slice of a ``per=`` SLO): ``scope/target.statistic[part]``."""
    name = f"{slo['scope']}/{slo['target']}.{statistic_name(slo)}"
    return name if slo.get("part") is None else f"{name}[{slo['per']}={slo['part']}]"


def _slo_labels(slo: dict[str, Any], seen: Counter[str]) -> dict[str, str]:
    name = f"{slo['target']}.{statistic_name(slo)}"
    key = (slo["scope"], name, slo.get("part"), slo["severity"])
    seen[repr(key)] += 1
    if seen[repr(key)] > 1:  # the same statistic gated twice (e.g. two thresholds)
        name += f" #{seen[repr(key)]}"
    return {
        "slo": name,
        "group": slo["scope"],
        "tracker": slo["tracker"],
        "statistic": slo["statistic"],
        "operation": slo.get("operation") or "",
        "metric": slo.get("metric") or "",
        "slice": "" if slo.get("part") is None else str(slo["part"]),
        "severity": slo["severity"],
    }


def _slo_families(out: _Families, slos: list[dict[str, Any]], cap: LabelCap) -> None:
    seen: Counter[str] = Counter()
    for slo in slos:
        labels = _slo_labels(slo, seen)
        if not cap.admit(labels):
            continue
        verdict = out.gauge(
            "qametrics_slo_verdict",
            "1 for the SLO's verdict, 0 for the others.",
            [*_SLO_LABELS, "verdict"],
        )
        for name in VERDICTS:
            verdict.add_metric([*labels.values(), name], 1.0 if slo["verdict"] == name else 0.0)
        passed = 1 if slo["counted_as"] == "pass" else 0
        out.set("qametrics_slo_passed", "1 when the SLO counted as passed.", labels, passed)
        out.set(
            "qametrics_slo_observed",
            "The observed statistic (durations in seconds).",
            labels,
            slo["observed"],
        )
        out.set(
            "qametrics_slo_threshold",
            "The SLO's threshold (durations in seconds).",
            labels,
            slo["threshold"],
        )
        out.set("qametrics_slo_samples", "How many samples the SLO judged.", labels, slo["n"])


def _samples_of(collector: Collector, scope: str, name: str) -> LatencySamples | None:
    population = collector.session if scope == SESSION else collector.groups.get(scope)
    if population is None:
        return None
    if name == ALL_OPERATIONS:
        return population.latency(None)
    if name == CALL_DURATIONS:
        return population.call_duration_samples()
    return population.latency(name)


def _latency(
    out: _Families, row: dict[str, Any], labels: dict[str, str], collector: Collector | None
) -> None:
    stats = row["statistics"]
    for statistic, family in _LATENCY.items():
        out.set(family, f"Latency {statistic} of the operation.", labels, stats.get(statistic))
    samples = _samples_of(collector, row["scope"], row["name"]) if collector else None
    if samples is None or samples.count == 0:
        return
    if "qametrics_latency_seconds" not in out.by_name:
        out.by_name["qametrics_latency_seconds"] = HistogramMetricFamily(
            "qametrics_latency_seconds",
            "Latency of the operation in seconds, in fixed buckets (see the README).",
            labels=list(labels),
        )
    buckets = latency_buckets(samples)
    histogram: HistogramMetricFamily = out.by_name["qametrics_latency_seconds"]  # type: ignore[assignment]
    histogram.add_metric(list(labels.values()), buckets.pairs(), buckets.total)


def _series_families(
    out: _Families, series: list[dict[str, Any]], collector: Collector | None, cap: LabelCap
) -> None:
    for row in series:
        tracker, stats = row["tracker"], row["statistics"]
        key = "operation" if tracker == "latency" else "metric" if tracker == "metric" else "name"
        labels = {"group": row["scope"], key: row["name"]}
        if not cap.admit(labels):
            continue
        if tracker == "latency":
            _latency(out, row, labels, collector)
        elif tracker in ("accuracy", "escalation", "metric"):
            names = {"accuracy": _CLASSIFIER, "escalation": _ESCALATION, "metric": _METRIC}[tracker]
            for statistic, family in names.items():
                out.set(family, f"{tracker} {statistic}.", labels, stats.get(statistic))
        elif tracker == "evals":
            _evals(out, row, {"group": row["scope"]})
        if tracker == "metric" and row["name"] == "cost_usd":
            group = {"group": row["scope"]}
            out.set(
                "qametrics_token_cost_usd", "Token cost in US dollars.", group, stats.get("sum")
            )
        if tracker == "metric" and row["name"] in _TOKENS:
            kind = {"group": row["scope"], "kind": _TOKENS[row["name"]]}
            out.set(
                "qametrics_tokens", "Tokens used (input, output, total).", kind, stats.get("sum")
            )


def _evals(out: _Families, row: dict[str, Any], labels: dict[str, str]) -> None:
    """Trial counts and reliability of one scope; pass@k and pass^k with a ``k`` label."""
    stats = row["statistics"]
    for statistic, family in _EVALS.items():
        out.set(family, f"evals {statistic}.", labels, stats.get(statistic))
    for key, value in stats.items():
        if key.startswith(("pass_at_", "pass_hat_")):
            kind, _, k = key.rpartition("_")
            family = (
                "qametrics_eval_pass_at_k_ratio"
                if kind == "pass_at"
                else ("qametrics_eval_pass_hat_k_ratio")
            )
            doc = (
                "pass@k: the chance one of k tries passes."
                if kind == "pass_at"
                else ("pass^k: the chance all k tries pass.")
            )
            out.set(family, doc, {**labels, "k": k}, value)


def _run_families(out: _Families, report: dict[str, Any]) -> None:
    run, summary = report["run"], report["summary"]
    for outcome, count in summary["tests"].items():
        out.set("qametrics_run_tests", "Tests by outcome.", {"outcome": outcome}, count)
    counted = Counter(slo["counted_as"] for slo in report["slos"])
    for state in ("pass", "warn", "fail"):
        out.set(
            "qametrics_run_slos", "SLOs by how they counted.", {"counted_as": state}, counted[state]
        )
    out.set("qametrics_run_passed", "1 when no SLO failed.", {}, int(summary["verdict"] == "pass"))
    out.set("qametrics_run_duration_seconds", "How long the run took.", {}, run["duration"])
    out.set("qametrics_run_exit_status", "The run's exit status.", {}, run["exit_status"])
    out.set("qametrics_run_lost_workers", "xdist workers lost.", {}, len(report["lost_workers"]))
    started = datetime.fromisoformat(run["started"]).timestamp()
    out.set("qametrics_run_timestamp_seconds", "When the run started (Unix time).", {}, started)
    info = {"plugin": __version__, "pytest": str(run["pytest"]), "python": str(run["python"])}
    out.set("qametrics_run_info", "Versions of the run.", info, 1)


def metric_families(
    report: dict[str, Any], collector: Collector | None, max_label_values: int
) -> tuple[list[Metric], list[str]]:
    """The families of a report (histograms only with the collector), and cap warnings."""
    out = _Families()
    cap = LabelCap(max_label_values)
    _slo_families(out, report["slos"], cap)
    _series_families(out, report["series"], collector, cap)
    _run_families(out, report)
    return list(out.by_name.values()), cap.warnings()


def series_count(families: Iterable[Metric]) -> int:
    """How many time series the families hold (each bucket counts)."""
    return sum(len(family.samples) for family in families)
