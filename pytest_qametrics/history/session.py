"""A session's use of the history: the baseline at judging time, then recording the run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pytest_qametrics.history.baseline import (
    BaselineError,
    BaselineRef,
    baseline_from_report,
    baseline_from_store,
    parse_baseline_ref,
)
from pytest_qametrics.history.provenance import Provenance, provenance
from pytest_qametrics.history.records import RunFacts, RunRecord, VerdictRow
from pytest_qametrics.history.store import HistoryError, HistoryStore
from pytest_qametrics.history.target import HistoryTarget, parse_target
from pytest_qametrics.judge.baseline import Baseline, Confusion, Histogram, SeriesKey
from pytest_qametrics.judge.evaluation import Verdict
from pytest_qametrics.judge.observations import ClassView, observe
from pytest_qametrics.judge.series import (
    ALL_OPERATIONS,
    CALL_DURATIONS,
    numeric_stats,
    observation_histogram,
    series_key,
    trend_key,
)
from pytest_qametrics.samples.population import LatencySamples, Population
from pytest_qametrics.slo.catalogue import regression_base
from pytest_qametrics.stats.percentiles import PercentileMethod

__all__ = ["COST_METRICS", "TREND_RUNS", "HistoryKeeper", "history_keeper"]

#: How many runs each SLO'd series shows in the report's ``trends``.
TREND_RUNS = 20
#: Custom metrics that are also stored per ``model`` tag (``cost_usd[model=gpt-4o]``).
COST_METRICS = ("cost_usd", "tokens_total")


class HistoryKeeper:
    """Reads the baseline when SLOs are judged and appends the run when the session ends.

    Nothing here may cost the run its reports or change its exit code: every failure of the
    history file becomes a line in ``problems`` (shown as ERROR in the summary and added to
    the report's ``problems``), regression keys then get ``no_data`` as without a history,
    and the session goes on.
    """

    def __init__(
        self,
        path: HistoryTarget | Path | None,
        ref: BaselineRef | None,
        directory: Path,
        trend_runs: int = TREND_RUNS,
    ) -> None:
        self.target = HistoryTarget("sqlite", path) if isinstance(path, Path) else path
        #: how messages name the history (a file path, or a server URL without password)
        self.path = self.target.shown if self.target is not None else None
        self.ref = ref if ref is not None or path is None else BaselineRef("last")
        self.directory = directory
        self.trend_runs = trend_runs
        self.problems: list[str] = []
        self.recorded = ""
        self.run_id: int | None = None
        self._store: HistoryStore | None = None
        self._broken = False
        self._reason = ""
        self._facts: Provenance | None = None

    @property
    def facts(self) -> Provenance:
        """Where this run comes from (git is asked once)."""
        if self._facts is None:
            self._facts = provenance(self.directory)
        return self._facts

    def _open(self) -> HistoryStore | None:
        if self._store is None and self.target is not None and not self._broken:
            try:
                self._store = HistoryStore(self.target)
            except HistoryError as err:
                self._fail(err)
        return self._store

    def _fail(self, err: BaseException) -> None:
        self._broken = True
        text = str(err) if isinstance(err, HistoryError) else f"{type(err).__name__}: {err}"
        if self.target is not None:
            text = self.target.hide(text)
        self._reason = text
        self.problems.append(
            f"qametrics history: {text}; the run was not recorded (its reports and exit code "
            f"are as without --qametrics-history)"
        )

    def baseline(self, statistics: Iterable[str]) -> Baseline | None:
        """The baseline regression keys compare with; None when none is configured."""
        if not any(regression_base(s) is not None for s in statistics) or self.ref is None:
            return None
        if self.ref.kind == "report" and self.ref.path is not None:
            return baseline_from_report(self.ref.path)
        store = self._open()
        if store is None:
            return Baseline.absent(self._unreadable())
        try:
            return baseline_from_store(store, self.ref, self.facts.git_branch)
        except HistoryError as err:
            self._fail(err)
            return Baseline.absent(self._unreadable())

    def _unreadable(self) -> str:
        reason = f" ({self._reason})" if self._reason else ""
        return f"the history {self.path} could not be read{reason}"

    def record(
        self,
        report: dict[str, Any],
        verdicts: Iterable[Verdict],
        scopes: Mapping[str, Population],
        method: PercentileMethod,
    ) -> None:
        """Append the run to the history file and put the SLO'd series' trends in ``report``."""
        try:
            self._record(report, list(verdicts), scopes, method)
        except Exception as err:  # the history must never cost the run its reports
            self._fail(err)
        finally:
            self.close()
            report.setdefault("problems", []).extend(self.problems)

    def _record(
        self,
        report: dict[str, Any],
        verdicts: list[Verdict],
        scopes: Mapping[str, Population],
        method: PercentileMethod,
    ) -> None:
        if self.target is None:
            return
        if not report.get("tests"):
            self.recorded = f"qametrics: no test ran, so the run was not recorded in {self.path}"
            return
        store = self._open()
        if store is None:
            return
        record = _run_record(report, verdicts, scopes, method, self.facts)
        self.run_id = store.add_run(record)
        self.recorded = f"qametrics: recorded run {self.run_id} in {self.path}"
        report["trends"] = self._trends(store, verdicts)

    def _trends(
        self, store: HistoryStore, verdicts: list[Verdict]
    ) -> dict[str, list[dict[str, Any]]]:
        trends: dict[str, list[dict[str, Any]]] = {}
        for verdict in verdicts:
            if verdict.source == "-":
                continue
            spec = verdict.spec
            key = series_key(spec, verdict.part, verdict.source)
            statistic = regression_base(spec.statistic) or spec.statistic
            name = trend_key(key, statistic)
            if name in trends:
                continue
            points = store.trend(key, statistic, self.trend_runs, self.facts.git_branch)
            if points:
                trends[name] = [
                    {"run": p.run, "started": p.started, "value": p.value} for p in points
                ]
        return trends

    def close(self) -> None:
        """Close the history file, if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


def _latency_histogram(samples: LatencySamples) -> Histogram | None:
    if samples.digest is None:
        values = np.concatenate((samples.ok, samples.fail))
        return Histogram.of_values(values) if values.size and not (values < 0).any() else None
    digest = samples.digest.copy()
    digest.add(samples.ok, samples.fail)
    hist = digest.hist
    return Histogram(
        hist.offset,
        hist.counts,
        hist.zeros,
        digest.count,
        digest.total,
        digest.total_sq,
        digest.low,
        digest.high,
    )


def _report_rows(report: dict[str, Any], scopes: Mapping[str, Population], record: _Draft) -> None:
    """Every series row of the report: its statistics, histogram or confusion matrix."""
    for row in report.get("series", []):
        key: SeriesKey = (str(row["scope"]), str(row["tracker"]), str(row["name"]))
        record.stats[key] = numeric_stats(row["statistics"])
        population = scopes.get(key[0])
        if key[1] == "latency" and population is not None:
            samples = (
                population.call_duration_samples()
                if key[2] == CALL_DURATIONS
                else population.latency(None if key[2] == ALL_OPERATIONS else key[2])
            )
            hist = _latency_histogram(samples)
            if hist is not None:
                record.histograms[key] = hist
            if samples.errors:
                record.errors[key] = dict(samples.errors)
        details = row.get("details") or {}
        if key[1] == "accuracy" and "confusion_matrix" in details:
            matrix = np.asarray(details["confusion_matrix"], dtype=np.int64)
            record.confusions[key] = Confusion(tuple(map(str, details["labels"])), matrix)


class _Draft:
    """The run record being assembled."""

    def __init__(self) -> None:
        self.stats: dict[SeriesKey, dict[str, float]] = {}
        self.histograms: dict[SeriesKey, Histogram] = {}
        self.confusions: dict[SeriesKey, Confusion] = {}
        self.errors: dict[SeriesKey, dict[str, int]] = {}


def _cost_rows(scopes: Mapping[str, Population], record: _Draft) -> None:
    """``cost_usd`` and ``tokens_total`` per ``model`` tag, so reports can sum cost by model."""
    population = scopes.get("session")
    if population is None:
        return
    models: dict[tuple[str, str], list[float]] = {}
    for tracker, name, tags in population.columns:
        if tracker != "metric" or name not in COST_METRICS:
            continue
        for tag, value in tags:
            if tag == "model":
                pool = population.column_pool("metric", name, ("model", value))
                values = pool.arrays().get("value", np.empty(0)).astype(np.float64)
                models[(name, value)] = [float(values.sum()), float(values.size)]
    for (name, model), (total, count) in sorted(models.items()):
        record.stats[("session", "metric", f"{name}[model={model}]")] = {
            "sum": total,
            "count": count,
        }


def _slo_rows(
    verdicts: list[Verdict],
    scopes: Mapping[str, Population],
    method: PercentileMethod,
    record: _Draft,
) -> None:
    """The series every SLO judged, under the name a later baseline looks it up by."""
    done: set[SeriesKey] = set()
    for verdict in verdicts:
        spec = verdict.spec
        if verdict.source == "-" or verdict.status == "skipped":
            continue
        key = series_key(spec, verdict.part, verdict.source)
        if key in done:
            continue
        done.add(key)
        seen = observe(spec, scopes.get(spec.scope, Population()), method, verdict.part)
        record.stats[key] = {**record.stats.get(key, {}), **numeric_stats(seen.stats)}
        if spec.tracker in ("latency", "escalation"):
            hist = observation_histogram(seen)
            if hist is not None:
                record.histograms[key] = hist
        if spec.tracker == "accuracy" and not isinstance(seen, ClassView) and seen.count:
            matrix = np.asarray(seen.stats.confusion_matrix, dtype=np.int64)
            record.confusions[key] = Confusion(tuple(map(str, seen.stats.labels)), matrix)


def _verdict_row(verdict: Verdict) -> VerdictRow:
    spec = verdict.spec
    name = series_key(spec, verdict.part, verdict.source)[2] if verdict.source != "-" else ""
    return VerdictRow(
        scope=spec.scope,
        tracker=spec.tracker,
        name=name,
        statistic=spec.statistic,
        part=verdict.part,
        comparison=spec.comparison,
        threshold=spec.threshold,
        observed=verdict.observed,
        n=verdict.n,
        verdict=verdict.status,
        reason=verdict.reason,
        needed=verdict.needed,
    )


def _run_record(
    report: dict[str, Any],
    verdicts: list[Verdict],
    scopes: Mapping[str, Population],
    method: PercentileMethod,
    facts: Provenance,
) -> RunRecord:
    run = report["run"]
    draft = _Draft()
    _report_rows(report, scopes, draft)
    _slo_rows(verdicts, scopes, method, draft)
    _cost_rows(scopes, draft)
    return RunRecord(
        facts=RunFacts(
            started=str(run["started"]),
            exit_status=int(run["exit_status"]),
            duration=run.get("duration"),
            git_commit=run.get("git_commit") or facts.git_commit,
            git_branch=facts.git_branch,
            host=facts.host,
            python=facts.python,
            plugin_version=facts.plugin_version,
        ),
        stats=draft.stats,
        histograms=draft.histograms,
        confusions=draft.confusions,
        verdicts=tuple(_verdict_row(v) for v in verdicts),
        errors=draft.errors,
    )


def history_keeper(
    history: str,
    history_dir: Path,
    baseline: str,
    baseline_dir: Path,
    root: Path,
    baseline_source: str = "--qametrics-baseline",
) -> HistoryKeeper | None:
    """The keeper of a session's settings, or None when neither history nor baseline is set.

    ``history`` (a file relative to ``history_dir``, or a PostgreSQL URL or ``service=``
    string) and ``baseline`` (relative to ``baseline_dir``); git is asked in ``root``.
    A baseline that names nothing usable raises BaselineError, naming
    ``baseline_source`` (the option, or the ini key the value came from).
    """
    if not history and not baseline:
        return None
    ref = None
    if baseline:
        ref = parse_baseline_ref(baseline, baseline_dir, baseline_source)
        if ref.kind != "report" and not history:
            raise BaselineError(
                f"{baseline_source}={baseline} names a run of the history file, so it needs "
                f"--qametrics-history=PATH (or the qametrics_history ini key) too"
            )
    target = parse_target(history, history_dir) if history else None
    return HistoryKeeper(target, ref, root)
