"""The pytest entry point: options, the ``slo`` marker, the fixtures, and role detection."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.session.gatekeeper import Gatekeeper, XdistWatcher
from pytest_qametrics.session.options import add_options
from pytest_qametrics.session.recorder import Recorder, RerunSorter
from pytest_qametrics.session.stopping import (
    BOARD_INPUT_KEY,
    Board,
    BoardShare,
    StopWatcher,
    TrialPlanner,
)
from pytest_qametrics.settings import Settings, SettingsError, read_settings
from pytest_qametrics.slo.spec import SloError
from pytest_qametrics.trackers.timing import recording_target

if TYPE_CHECKING:
    from pytest_qametrics.history.session import HistoryKeeper
    from pytest_qametrics.trackers.accuracy import AccuracyTracker
    from pytest_qametrics.trackers.custom_metrics import MetricsRecorder
    from pytest_qametrics.trackers.escalation import EscalationTracker
    from pytest_qametrics.trackers.evals import EvalsRecorder
    from pytest_qametrics.trackers.latency import LatencyTracker

# The trackers (numpy), the history and the report writers are imported where they are first
# used, so that a run whose tests record nothing never loads them (tests/integration/
# test_import_cost.py checks which modules such a run loads).

__all__ = ["Fixtures"]

SETTINGS = pytest.StashKey[Settings]()
GATEKEEPER = pytest.StashKey[Gatekeeper]()

_MARKER = (
    "slo(**thresholds): declare SLOs judged at session end over every sample of this test's "
    "group, e.g. slo(p95=1.0, error_rate=0.01, operation='checkout', min_samples=20, "
    "severity='warn', group='checkout')."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER)
    try:
        settings = read_settings(config.getoption, config.getini)
    except (SloError, SettingsError) as err:
        raise pytest.UsageError(f"pytest-qametrics: {err}") from None
    settings = _anchored(config, settings)
    config.stash[SETTINGS] = settings
    # Outside an xdist worker the gatekeeper reads the recorder's reports in this process.
    recorder = Recorder(settings.exact_cap, local=not hasattr(config, "workerinput"))
    config.pluginmanager.register(recorder, "qametrics-recorder")
    if _sorts_reruns(config):
        keep_all = settings.rerun_samples == "all"
        config.pluginmanager.register(RerunSorter(recorder, keep_all), "qametrics-reruns")
    config.pluginmanager.register(Fixtures(settings), "qametrics-fixtures")
    board = _board(config)
    config.pluginmanager.register(TrialPlanner(settings, board), "qametrics-trials")
    if not hasattr(config, "workerinput"):
        gatekeeper = Gatekeeper(settings, _report_dir(config, settings), pytest.__version__)
        gatekeeper.history = _history(config, settings)
        gatekeeper.recorder = recorder
        config.stash[GATEKEEPER] = gatekeeper
        config.pluginmanager.register(gatekeeper, "qametrics-gatekeeper")
        gatekeeper.stopper = StopWatcher(board, settings.budget_usd)
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(XdistWatcher(gatekeeper), "qametrics-xdist")
            config.pluginmanager.register(BoardShare(gatekeeper.stopper), "qametrics-board")


def _board(config: pytest.Config) -> Board:
    """The decisions board: in this process, or (on an xdist worker) the controller's file."""
    workerinput = getattr(config, "workerinput", None)
    path = workerinput.get(BOARD_INPUT_KEY) if isinstance(workerinput, dict) else None
    return Board(Path(path) if path else None)


def _anchored(config: pytest.Config, settings: Settings) -> Settings:
    """The Prometheus textfile path made absolute: an option's against the directory pytest
    started in, the ini value's against the rootdir (one rule for every ini path)."""
    path = settings.export.prometheus
    if not path or Path(path).is_absolute():
        return settings
    in_ini = not config.getoption("qametrics_prometheus", None)
    base = config.rootpath if in_ini else config.invocation_params.dir
    export = dataclasses.replace(settings.export, prometheus=str(base / path))
    return dataclasses.replace(settings, export=export)


def _sorts_reruns(config: pytest.Config) -> bool:
    """Whether this process runs tests that pytest-rerunfailures may rerun (the xdist
    controller runs no tests: its workers sort their own attempts)."""
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return False
    controller = not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"
    return not controller


def _report_dir(config: pytest.Config, settings: Settings) -> Path | None:
    if not settings.report:
        return None
    from pytest_qametrics.samples.artifact import check_writable

    # ini paths are relative to the rootdir (as pytest's own), options to where pytest started
    base = config.rootpath if settings.report_dir_in_ini else config.invocation_params.dir
    directory = base / settings.report_dir
    _refuse_shared_files(config, directory, settings)
    try:
        check_writable(directory)
    except OSError as err:
        raise pytest.UsageError(
            f"pytest-qametrics: cannot write reports to {directory}: {err.strerror or err}; "
            f"choose a writable directory with {_report_dir_source(config)}"
        ) from None
    return directory


#: Options of other reporters that name a file: (option dest, how the user spells it).
_OTHER_REPORTS = (
    ("htmlpath", "--html"),
    ("xmlpath", "--junitxml"),
    ("json_report_file", "--json-report-file"),
    ("report_log", "--report-log"),
)


def _refuse_shared_files(config: pytest.Config, directory: Path, settings: Settings) -> None:
    """Stop at start-up when another reporter would write one of the report files."""
    from pytest_qametrics.choices import files_of
    from pytest_qametrics.samples.artifact import ARTIFACT_NAME

    ours = {(directory / name).resolve(): name for name in files_of(settings.formats)}
    ours[(directory / ARTIFACT_NAME).resolve()] = ARTIFACT_NAME
    invoked = config.invocation_params.dir
    for dest, flag in _OTHER_REPORTS:
        value = config.getoption(dest, None)
        if not isinstance(value, (str, Path)) or not str(value):
            continue
        theirs = (invoked / Path(value).expanduser()).resolve()
        if theirs in ours:
            raise pytest.UsageError(
                f"pytest-qametrics: {flag}={value} and --qametrics-report would both write "
                f"{theirs}, and one would overwrite the other; choose another "
                f"--qametrics-report-dir (or another {flag} path)"
            )


def _report_dir_source(config: pytest.Config) -> str:
    """Where the report directory was set: the option, or else the ini key."""
    if config.getoption("qametrics_report_dir") or not config.getini("qametrics_report_dir"):
        return "--qametrics-report-dir"
    return "the qametrics_report_dir ini key"


def _history(config: pytest.Config, settings: Settings) -> HistoryKeeper | None:
    """The history keeper; paths from options are relative to the invocation directory,
    paths from the ini file to the rootdir."""
    if not settings.history and not settings.baseline:
        return None
    from pytest_qametrics.history.baseline import BaselineError
    from pytest_qametrics.history.session import history_keeper

    invoked, root = config.invocation_params.dir, config.rootpath
    try:
        return history_keeper(
            settings.history,
            root if settings.history_in_ini else invoked,
            settings.baseline,
            root if settings.baseline_in_ini else invoked,
            root,
            "qametrics_baseline" if settings.baseline_in_ini else "--qametrics-baseline",
        )
    except BaselineError as err:
        raise pytest.UsageError(f"pytest-qametrics: {err}") from None


def _store() -> ItemStore:
    store = recording_target.store
    if store is None:  # pragma: no cover - the recorder sets it around every test
        raise RuntimeError("the qametrics fixtures work only inside a running test")
    return store


class Fixtures:
    """The fixtures, bound to the run's settings.

    They take no ``request``: the running test's store is where the recorder points
    ``recording_target`` around each test, which saves pytest's request bookkeeping per test.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @pytest.fixture
    def latency_tracker(self) -> Iterator[LatencyTracker]:
        """Record operation durations for this test; see LatencyTracker.measure() and record()."""
        from pytest_qametrics.trackers.latency import LatencyTracker

        tracker = LatencyTracker(_store(), self.settings.percentile)
        yield tracker
        tracker.close()

    @pytest.fixture
    def accuracy_tracker(self) -> AccuracyTracker:
        """Record predicted vs actual labels for this test; see AccuracyTracker.record()."""
        from pytest_qametrics.trackers.accuracy import ACCURACY_COLUMNS, AccuracyTracker

        return AccuracyTracker(_store().columns("accuracy", "default", ACCURACY_COLUMNS))

    @pytest.fixture
    def escalation_tracker(self) -> EscalationTracker:
        """Record how support interactions end for this test; see EscalationTracker.record()."""
        from pytest_qametrics.trackers.escalation import ESCALATION_COLUMNS, EscalationTracker

        return EscalationTracker(_store().columns("escalation", "default", ESCALATION_COLUMNS))

    @pytest.fixture
    def evals(self, request: pytest.FixtureRequest) -> EvalsRecorder:
        """Record pass/fail trials of an agent for this test; see EvalsRecorder.record()."""
        from pytest_qametrics.trackers.evals import EvalsRecorder
        from pytest_qametrics.trackers.outcomes import EVALS_COLUMNS, case_of_node

        series = _store().columns("evals", "default", EVALS_COLUMNS)
        return EvalsRecorder(series, case_of_node(request.node.nodeid))

    @pytest.fixture
    def qametrics_trial(self, request: pytest.FixtureRequest) -> int:
        """The 1-based number of this trial of a test run with ``slo(trials=N)`` (1 without)."""
        return int(getattr(request, "param", 1))

    @pytest.fixture
    def metrics(self) -> MetricsRecorder:
        """Record custom metric values for this test; see MetricsRecorder.record()."""
        from pytest_qametrics.trackers.custom_metrics import MetricsRecorder

        return MetricsRecorder(_store(), self.settings.token_prices, self.settings.percentile)
