"""Evaluating-side hooks: gather payloads, judge the SLOs at session end, set the exit code, explain."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from pytest_qametrics.collector import Collector
from pytest_qametrics.evaluation import Outcome, Verdict, evaluate, gate_outcome
from pytest_qametrics.recorder import REPORT_ATTRIBUTE
from pytest_qametrics.settings import Settings
from pytest_qametrics.summary import summary_lines
from pytest_qametrics.wire import WireError, decode_item

__all__ = ["Gatekeeper"]

_COLOURS = {"PASS": "green", "FAIL": "red", "WARN": "yellow", "NO DATA": "yellow"}


def _sender(report: pytest.TestReport) -> str:
    worker = getattr(report, "worker_id", None) or getattr(report, "node", None)
    where = f"worker {getattr(worker, 'gateway', None) and worker.gateway.id or worker}"
    return f"{where} (test {report.nodeid})" if worker else f"test {report.nodeid}"


class Gatekeeper:
    """Registered in the process that judges SLOs: a serial run, or the xdist controller."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collector = Collector(settings.session_specs)
        self.problems: list[str] = []
        self.result: tuple[list[Verdict], Outcome] | None = None
        self.not_judged = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add_test_phase(report.when, report.outcome, report.duration)
        payload = getattr(report, REPORT_ATTRIBUTE, None)
        if payload is None:
            return
        try:
            self.collector.add_record(decode_item(payload, _sender(report)))
        except WireError as err:
            self.problems.append(str(err))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        if self.settings.gate != "off":
            self._judge(session)
        return (yield)

    def _judge(self, session: pytest.Session) -> None:
        collector = self.collector
        if collector.session.items == 0 and session.exitstatus != pytest.ExitCode.OK:
            if collector.specs:
                self.not_judged = (
                    f"qametrics: no test ran (exit code {int(session.exitstatus)}), so "
                    f"{len(collector.specs)} SLOs were not judged"
                )
            return
        populations = {"session": collector.session, **collector.groups}
        verdicts = evaluate(collector.specs, populations, self.settings.percentile)
        outcome = gate_outcome(verdicts, self.settings.no_data)
        self.result = (verdicts, outcome)
        failed = outcome.breached or bool(self.problems)
        if failed and self.settings.gate == "enforce" and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.not_judged:
            terminalreporter.write_sep("=", "qametrics SLOs")
            terminalreporter.write_line(self.not_judged, yellow=True)
        if self.result is None or not (self.result[0] or self.problems):
            return
        verdicts, outcome = self.result
        terminalreporter.write_sep("=", "qametrics SLOs")
        for problem in self.problems:
            terminalreporter.write_line(f"ERROR    {problem}", red=True, bold=True)
        for line in summary_lines(verdicts, outcome, self.settings.gate):
            colour = _COLOURS.get(line[:8].strip(), "")
            terminalreporter.write_line(line, **({colour: True} if colour else {}))
