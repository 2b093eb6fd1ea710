"""Evaluating-side hooks: gather payloads, judge SLOs at session end, set the exit code, explain."""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import Generator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_qametrics.export.result import PROM_FORMAT, PROM_NAME, ExportResult, wants
from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.declarations import DeclarationBook
from pytest_qametrics.samples.plan import PLAN_OUTPUT_KEY, RunPlan
from pytest_qametrics.samples.text import one_line
from pytest_qametrics.samples.wire import ItemRecord, WireError, decode_item
from pytest_qametrics.session.blas import import_numpy_without_blas_threads
from pytest_qametrics.session.recorder import (
    DECLARED_ATTRIBUTE,
    LATE_OUTPUT_KEY,
    LEFT_OUT_ATTRIBUTE,
    REPORT_ATTRIBUTE,
    SHARED_ATTRIBUTE,
    Recorder,
    was_rerun,
)
from pytest_qametrics.session.signals import InterruptGuard
from pytest_qametrics.settings import Settings
from pytest_qametrics.slo.spec import SloSpec

if TYPE_CHECKING:
    from pytest_qametrics.history.session import HistoryKeeper
    from pytest_qametrics.judge.verdicts import Outcome, Verdict
    from pytest_qametrics.session.stopping import StopWatcher

# The evaluation (numpy), the report model and renderers, the data file, the exporter and the
# CI integrations are imported where they are first needed: a run that records nothing and
# declares no SLO never loads them.

__all__ = ["Gatekeeper", "XdistWatcher", "worker_of"]

_COLOURS = {
    "PASS": "green",
    "FAIL": "red",
    "WARN": "yellow",
    "NO DATA": "yellow",
    "UNSURE": "yellow",
}
#: The ``when`` of the report xdist makes for a test whose worker crashed.
_CRASH_PHASE = "???"

#: A line that names an exception: ``execnet.gateway_base.DumpError: strings must be ...``.
_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Interrupt)\b:")


def _unprefixed(line: str) -> str:
    return line[1:].strip() if line.startswith("E ") else line


def worker_of(report: pytest.TestReport) -> str | None:
    """The xdist worker id (``gw0``) a report came from, or None in a serial run."""
    attributes = report.__dict__
    if "worker_id" not in attributes and "node" not in attributes:  # serial: no lookups fail
        return None
    worker = getattr(report, "worker_id", None)
    if worker is None:
        gateway = getattr(getattr(report, "node", None), "gateway", None)
        worker = getattr(gateway, "id", None)
    return None if worker is None else str(worker)


#: Options after which pytest only lists fixtures or markers: no test was meant to run.
_LISTING_OPTIONS = ("showfixtures", "show_fixtures_per_test", "markers")


def _only_lists(config: pytest.Config) -> bool:
    """True when the run only lists fixtures or markers (``--fixtures``, ``--markers``)."""
    return any(config.getoption(name, default=False) for name in _LISTING_OPTIONS)


def is_subtest(report: pytest.TestReport) -> bool:
    """True for the report of one subtest (pytest's ``subtests`` fixture or pytest-subtests):
    it is part of its test, not a test with a call duration of its own."""
    return type(report).__name__ in ("SubtestReport", "SubTestReport")


class Gatekeeper:
    """Registered in the process that judges SLOs: a serial run, or the xdist controller."""

    def __init__(self, settings: Settings, report_dir: Path | None, pytest_version: str) -> None:
        self.settings = settings
        self.report_dir = report_dir
        self.pytest_version = pytest_version
        self.started = datetime.now(timezone.utc)
        #: Stamps this run's data artifact, so that ``qametrics merge`` never counts it twice.
        self.run_id = uuid.uuid4().hex
        self.interrupts = InterruptGuard()
        self.written: list[Path] = []
        self.collector = Collector(settings.session_specs, settings.exact_cap)
        #: The SLO declarations of setup reports, which the teardown payloads refer to.
        self.declarations = DeclarationBook()
        self.problems: list[str] = []
        self.result: tuple[list[Verdict], Outcome] | None = None
        self.not_judged = ""
        self.annotations: list[str] = []
        self.notes: list[str] = []
        #: Warnings about the judging itself (e.g. a per= SLO with very many slices).
        self.cautions: list[str] = []
        #: The run history and baseline (--qametrics-history, --qametrics-baseline), if any.
        self.history: HistoryKeeper | None = None
        #: What the Prometheus and alert exports did (None: nothing to export).
        self.exported: ExportResult | None = None
        #: The recorder of this process (a serial run's), and late samples workers reported.
        self.recorder: Recorder | None = None
        self.late: list[tuple[str, int, str | None]] = []
        #: The first xdist worker's plan (a serial run's comes from its recorder).
        self.plan: RunPlan | None = None
        #: Early stopping and cost budgets (set where the plugin is configured).
        self.stopper: StopWatcher | None = None
        self.partial = ""
        #: Whether numpy was imported for the workers' payloads (once, before the first).
        self.numpy_ready = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        worker = worker_of(report)
        if report.when == _CRASH_PHASE and worker is not None:
            self.collector.workers.crashed_while(worker, report.nodeid)
            self.collector.tests.crashed(report.nodeid, worker)
            return
        attributes = report.__dict__  # report attributes set by plugins live here
        when, outcome, duration = report.when, report.outcome, report.duration
        left_out = attributes.get(LEFT_OUT_ATTRIBUTE)
        if left_out is not None:  # an attempt pytest-rerunfailures ran again: not counted
            self.collector.reruns.left_out(left_out)
        elif is_subtest(report):
            pass
        elif not was_rerun(report) or self.settings.rerun_samples == "all":
            self.collector.add_test_phase(when, outcome, duration)
        if when == "setup" and self.stopper is not None:
            self.stopper.setup_report(report)
        xfail = "wasxfail" in attributes
        self.collector.tests.phase(
            report.nodeid, when, outcome, duration, worker, report.location, xfail
        )
        declared = attributes.get(DECLARED_ATTRIBUTE)
        payload = attributes.get(REPORT_ATTRIBUTE)
        shared = attributes.get(SHARED_ATTRIBUTE)
        if declared is None and payload is None and shared is None:
            return
        source = f"worker {worker} (test {report.nodeid})" if worker else f"test {report.nodeid}"
        try:
            if declared is not None:
                specs = self.declarations.read(declared, report.nodeid, worker, source)
                self.collector.declare(report.nodeid, specs)
            carries = payload is not None or shared is not None
            if carries and worker is not None and not self.numpy_ready:
                self.numpy_ready = True
                import_numpy_without_blas_threads()
            if payload is not None:
                record = _record(payload, source, self.declarations.running(report.nodeid, worker))
                self.collector.add_record(record, worker)
                if self.stopper is not None:
                    self.stopper.observe(record)
            if shared is not None:
                self.collector.add_shared(_record(shared, source), worker)
        except WireError as err:
            self.problems.append(str(err))

    def pytest_internalerror(self, excrepr: object) -> None:
        # An xdist worker's internal error reaches the controller here, and xdist then drops
        # the worker without a testnodedown: whatever it was sending is lost.
        lines = [line.strip() for line in str(excrepr).splitlines() if line.strip()]
        raised = [line for line in map(_unprefixed, lines) if _EXCEPTION_LINE.match(line)]
        last = one_line((raised or lines or ["no message"])[-1][:300])
        self.problems.append(f"pytest reported an internal error, so results may be lost: {last}")

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.interrupts.install()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.interrupts.uninstall()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        # A second Ctrl-C that lands while pytest handles the first leaves the exit status at
        # 0; the guard counted both, so the reports (and the history) say "interrupted".
        if self.interrupts.interrupted and session.exitstatus in (0, 1):
            session.exitstatus = pytest.ExitCode.INTERRUPTED
        with self.interrupts.deferring():
            try:
                self._finish(session)
            except (ArithmeticError, ValueError) as err:  # never lose the summary
                self.problems.append(f"qametrics could not finish judging or reporting: {err!r}")
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.interrupts.deferred:
            self.notes.append(
                "qametrics: an interrupt arrived while the reports were written; they were "
                "finished first"
            )
        return (yield)

    def _finish(self, session: pytest.Session) -> None:
        workers = self.collector.workers
        workers.settle()
        self.problems.extend(self.collector.session.label_clashes())
        workers.problems.extend(self.problems)  # into report.json and the data artifact
        self.problems.clear()
        if self.settings.gate != "off":
            self._judge(session)
        judged = bool(self.result and self.result[0]) or bool(workers.lost)
        if judged:
            from pytest_qametrics.session.publish import ci_wants_report, publish
        ci = judged and ci_wants_report(session.config)
        # a run in which no test ran (--collect-only, exit code 5) must not replace the last push
        ran = self.collector.session.items > 0
        exporting = ran and wants(self.settings.export, self._prom_file())
        if not ran and wants(self.settings.export, self._prom_file()):
            self.exported = ExportResult(["qametrics: no test ran, so nothing was exported"])
        if self.report_dir is not None or ci or self.history is not None or exporting:
            report = self._report(session)
            if self.history is not None:  # adds "trends"; its failures only add "problems"
                verdicts = self.result[0] if self.result else []
                scopes = self.collector.scopes()
                self.history.record(report, verdicts, scopes, self.settings.percentile)
            if self.report_dir is not None:
                self._write(session, report, self.report_dir)
            if ci:  # before junitxml's own sessionfinish writes the file
                self.annotations, self.notes = publish(session.config, report)
            if exporting:
                self._export(session, report)

    def _prom_file(self) -> Path | None:
        if self.report_dir is None or PROM_FORMAT not in self.settings.formats:
            return None
        return self.report_dir / PROM_NAME

    def _export(self, session: pytest.Session, report: dict[str, Any]) -> None:
        """Textfiles, the push and the alerts, once, here on the controller (or serial run)."""
        config = self.settings.export
        root = session.config.rootpath
        from pytest_qametrics.export.context import run_context
        from pytest_qametrics.export.exporter import run_exports

        context = run_context(config.project or root.name, root, os.environ)
        self.exported = run_exports(report, self.collector, config, context, self._prom_file())
        self.written += self.exported.written
        failing = self.exported.failed and config.failure == "fail"
        if failing and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _report(self, session: pytest.Session) -> dict[str, Any]:
        from pytest_qametrics.judge.verdicts import gate_outcome
        from pytest_qametrics.report.model import RunInfo, build_report
        from pytest_qametrics.report.provenance import git_commit

        verdicts, outcome = self.result or ([], gate_outcome([], self.settings.no_data))
        run = RunInfo(
            started=self.started.isoformat(timespec="seconds"),
            duration=round((datetime.now(timezone.utc) - self.started).total_seconds(), 3),
            exit_status=int(session.exitstatus),
            gate=self.settings.gate,
            pytest_version=self.pytest_version,
            interrupted=session.exitstatus == pytest.ExitCode.INTERRUPTED,
            git_commit=git_commit(session.config.rootpath),
            run_id=self.run_id,
        )
        report = build_report(verdicts, outcome, self.collector, self.settings.percentile, run)
        stopped = self.stopper.to_report() if self.stopper is not None else None
        if stopped is not None:
            report["stopped"] = stopped
        return report

    def _write(self, session: pytest.Session, report: dict[str, Any], directory: Path) -> None:
        try:
            # imported here: jinja2 and the template cost ~50 ms, only runs that write pay it
            from pytest_qametrics.report.files import write_reports
            from pytest_qametrics.samples.artifact import (
                ARTIFACT_NAME,
                dump_collector,
            )

            project = session.config.rootpath.name
            data = dump_collector(self.collector, self.settings.percentile, [self.run_id], project)
            formats = self.settings.formats
            self.written = write_reports(report, directory, formats, ((ARTIFACT_NAME, data),))
        except (OSError, ValueError) as err:
            self.written = []
            self.problems.append(
                f"could not write the reports to {directory}: {err}; the files there are "
                f"those of an earlier run, if any"
            )
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _judge(self, session: pytest.Session) -> None:
        from pytest_qametrics.judge.partial import not_run_specs, partial_note, skip_unrun
        from pytest_qametrics.judge.verdicts import gate_outcome

        collector = self.collector
        problems = [*self.problems, *collector.workers.problems]
        if collector.session.items == 0:  # e.g. exit code 5, an error, or --collect-only (0)
            if collector.specs and not _only_lists(session.config):
                self.not_judged = (
                    f"qametrics: no test ran (exit code {int(session.exitstatus)}), so "
                    f"{len(collector.specs)} SLOs were not judged"
                )
            return
        plan = self.plan or (self.recorder.plan if self.recorder is not None else None)
        ran = collector.tests.nodeids()
        if plan is not None:  # SLOs of tests that did not run are listed, as skipped
            collector.add_specs(not_run_specs(plan, ran))
        verdicts: list[Verdict] = []
        if collector.specs:  # nothing to judge otherwise: the evaluation is not even imported
            from pytest_qametrics.judge.evaluation import crowded_slices, evaluate

            statistics = [spec.statistic for spec in collector.specs]
            baseline = self.history.baseline(statistics) if self.history is not None else None
            scopes = collector.scopes()
            verdicts = evaluate(collector.specs, scopes, self.settings.percentile, baseline)
            self.cautions = crowded_slices(verdicts)
        if collector.session.series or collector.session.columns:
            from pytest_qametrics.judge.evaluation import crowded_series

            self.cautions += crowded_series(collector.session, verdicts)
        if plan is not None:
            verdicts = skip_unrun(verdicts, plan, ran)
            # a run that judged nothing says nothing: an unused plugin stays out of sight
            self.partial = partial_note(plan, len(ran)) if verdicts else ""
        verdicts = self._flag_lost(verdicts)
        outcome = gate_outcome(verdicts, self.settings.no_data, self.settings.inconclusive)
        self.result = (verdicts, outcome)
        # A lost worker fails closed: its SLOs may lack samples even when every test passed.
        failed = outcome.breached or bool(problems) or bool(collector.workers.lost)
        if failed and self.settings.gate == "enforce" and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _flag_lost(self, verdicts: list[Verdict]) -> list[Verdict]:
        lost = self.collector.workers.lost.values()
        touched = {w.worker: self.collector.scopes_touched_by(w.running) for w in lost}
        return [
            dataclasses.replace(
                v, lost_from=tuple(w for w, scopes in touched.items() if v.spec.scope in scopes)
            )
            for v in verdicts
        ]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        workers = self.collector.workers
        history = self.history
        problems = [*self.problems, *workers.problems, *(history.problems if history else [])]
        recorded = history.recorded if history is not None else ""
        shown = self.not_judged or (self.result and self.result[0]) or self.written or recorded
        exported = self.exported
        remarks = self._remarks()
        left_out = self.collector.reruns.describe()
        cautions = self.cautions
        if not (shown or problems or workers.lost or exported or remarks or left_out or cautions):
            return

        def write(line: str, **markup: bool) -> None:
            # Names and messages come from tests: none may start a line, move the cursor or
            # issue a CI workflow command (our own annotation lines hold no control character).
            terminalreporter.write_line(one_line(line), **markup)

        terminalreporter.write_sep("=", "qametrics SLOs")
        for problem in problems:
            write(f"ERROR    {problem}", red=True, bold=True)
        for lost in workers.lost.values():
            write(f"LOST     {lost.describe()}", red=True, bold=True)
        if self.not_judged:
            write(self.not_judged, yellow=True)
        for caution in self.cautions:
            write(f"qametrics: warning: {caution}", yellow=True)
        if self.result is not None:
            from pytest_qametrics.report.terminal import summary_lines

            verdicts, outcome = self.result
            for line in summary_lines(verdicts, outcome, self.settings.gate):
                colour = _COLOURS.get(line[:8].strip(), "")
                write(line, **({colour: True} if colour else {}))
        if left_out:
            write(left_out)
        for remark in remarks:
            write(remark, yellow=True)
        if workers.received:
            write(f"qametrics: samples per worker: {workers.split()}")
        if recorded:
            write(recorded)
        if self.written:
            write(f"qametrics: wrote {', '.join(str(p) for p in self.written)}")
        for note in self.notes:
            write(note, yellow=True)
        if exported is not None:
            for line in exported.lines:
                write(line, yellow=line.startswith("qametrics export:"))
            for line in exported.errors:
                write(line, red=True, bold=True)
        for line in self.annotations:  # GitHub reads these workflow commands from the log
            write(line)

    def _remarks(self) -> list[str]:
        """Lines about samples that no test owns: fixture-scoped ones, and late ones."""
        lines = [self.partial] if self.partial else []
        if self.stopper is not None:
            lines += self.stopper.summary()
        shared = self.collector.shared_samples
        if shared:
            lines.append(
                f"qametrics: session-wide SLOs (not a test's) include the "
                f"{_count(shared, 'sample')} recorded in class-, module- or session-scoped fixtures"
            )
        late: list[tuple[str, int, str | None]] = [*self.late]
        if self.recorder is not None:
            late += [(owner, n, None) for owner, n in self.recorder.late]
        if late:
            total = sum(n for _, n, _ in late)
            owners = ", ".join(
                f"{owner}{f' on {worker}' if worker else ''}: {n}" for owner, n, worker in late[:5]
            )
            more = f" and {len(late) - 5} more" if len(late) > 5 else ""
            lines.append(
                f"qametrics: {_count(total, 'sample')} arrived after their test had ended and "
                f"were not counted ({owners}{more}); finish threads and tasks inside the test"
            )
        return lines


def _record(
    carried: object, source: str, declared: tuple[SloSpec, ...] | None = None
) -> ItemRecord:
    """A finished test's record: as it is from this process's recorder (an object no worker
    can send), decoded from a worker's payload (with the specs its setup report declared)."""
    if isinstance(carried, ItemRecord):
        return carried
    return decode_item(carried, source, declared)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class XdistWatcher:
    """Registered on the xdist controller: checks each worker's totals when it goes down."""

    def __init__(self, gatekeeper: Gatekeeper) -> None:
        self.gatekeeper = gatekeeper

    def pytest_testnodeready(self, node: object) -> None:
        gateway = getattr(node, "gateway", None)
        self.gatekeeper.collector.workers.started(str(getattr(gateway, "id", "?")))

    def pytest_testnodedown(self, node: object, error: object) -> None:
        gateway = getattr(node, "gateway", None)
        worker = str(getattr(gateway, "id", "?"))
        output = getattr(node, "workeroutput", None)
        self.gatekeeper.collector.workers.finished(worker, output, error)
        late = output.get(LATE_OUTPUT_KEY) if isinstance(output, dict) else None
        for entry in late if isinstance(late, list) else []:
            if isinstance(entry, list) and len(entry) == 2:
                self.gatekeeper.late.append((str(entry[0]), int(entry[1]), worker))
        plan = output.get(PLAN_OUTPUT_KEY) if isinstance(output, dict) else None
        if plan is not None and self.gatekeeper.plan is None:
            try:
                self.gatekeeper.plan = RunPlan.from_wire(plan, f"worker {worker}")
            except WireError as err:
                self.gatekeeper.problems.append(str(err))
