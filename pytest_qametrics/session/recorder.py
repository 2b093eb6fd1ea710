"""Test-side hooks: validate ``slo`` marks, give each test a store, ship it with its report."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from pytest_qametrics.samples.declarations import DeclarationSender
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.plan import PLAN_OUTPUT_KEY, Declared, RunPlan
from pytest_qametrics.samples.wire import (
    ItemRecord,
    Outcome,
    WireError,
    damaged_payload,
    decode_item,
    encode_item,
    local_record,
    pack_payload,
    travel_problem,
)
from pytest_qametrics.samples.workers import WORKER_OUTPUT_KEY, worker_totals
from pytest_qametrics.slo.spec import SloError, SloSpec, specs_from_marker
from pytest_qametrics.trackers.outcomes import TrialOutcome, count_outcome_trial, trial_outcome
from pytest_qametrics.trackers.timing import recording_target

__all__ = [
    "DECLARED_ATTRIBUTE",
    "LATE_OUTPUT_KEY",
    "LEFT_OUT_ATTRIBUTE",
    "REPORT_ATTRIBUTE",
    "SHARED_ATTRIBUTE",
    "SHARED_OWNER",
    "ItemState",
    "Recorder",
    "RerunSorter",
    "item_state",
    "was_rerun",
]

#: The TestReport attribute that carries a test's payload (it travels with xdist reports).
REPORT_ATTRIBUTE = "qametrics"
#: The setup report's attribute that declares the test's SLOs before it runs, so that a worker
#: crashing during the test cannot make them vanish (they are judged as having no data).
DECLARED_ATTRIBUTE = "qametrics_declared"
#: The teardown report's attribute that carries samples recorded in class-, module-, package-
#: or session-scoped fixtures since the previous report; they belong to the session.
SHARED_ATTRIBUTE = "qametrics_shared"
#: The owner named for those samples in the reports.
SHARED_OWNER = "(fixtures wider than one test)"
#: The workeroutput key of the samples a worker saw arrive after their test had ended.
LATE_OUTPUT_KEY = "qametrics_late_v1"
#: The teardown report's attribute of an attempt that pytest-rerunfailures ran again, when only
#: final attempts count: how many samples that attempt recorded and does not contribute.
LEFT_OUT_ATTRIBUTE = "qametrics_left_out"


class ItemState:
    """What one test recorded, which SLOs it declares, and how it ended."""

    __slots__ = (
        "call_duration",
        "declared",
        "groups",
        "outcome",
        "shipped",
        "specs",
        "specs_wire",
        "store",
        "trial",
        "trials_by_outcome",
    )

    def __init__(
        self,
        specs: tuple[SloSpec, ...] = (),
        groups: tuple[str, ...] = (),
        specs_wire: list[dict[str, Any]] | None = None,
    ) -> None:
        self.store = ItemStore()
        self.specs = specs
        self.groups = groups or tuple(dict.fromkeys(spec.scope for spec in specs))
        #: The specs as sent, made once per function (its cases share it; nobody mutates it).
        self.specs_wire = [spec.to_wire() for spec in specs] if specs_wire is None else specs_wire
        self.outcome: Outcome = "passed"
        self.call_duration: float | None = None
        #: Samples the store held when its payload left; more later are late samples.
        self.shipped: int | None = None
        #: Whether the setup report carried the specs intact (the payload then leaves them out).
        self.declared = False
        #: An evals SLO without evals.record() counts each test's outcome as a trial.
        self.trials_by_outcome = any(spec.tracker == "evals" for spec in specs)
        #: That trial: passed, failed, errored (setup or teardown failed) or skipped.
        self.trial: TrialOutcome | None = None

    def observe(self, report: pytest.TestReport) -> None:
        """Fold one phase report into the test's outcome and call duration."""
        outcome = report.outcome
        if outcome == "failed":
            self.outcome = "failed"
        elif outcome == "skipped" and self.outcome == "passed":
            self.outcome = "skipped"
        if report.when == "call":
            self.call_duration = report.duration
        if self.trials_by_outcome:
            self.trial = trial_outcome(self.trial, report.when, outcome)

    def next_attempt(self) -> None:
        """Start a rerun's attempt afresh: its payload holds only its own samples."""
        self.store = ItemStore()
        self.trial = None
        self.outcome = "passed"
        self.call_duration = None
        self.shipped = None


_ITEM_STATE = pytest.StashKey[ItemState]()


def item_state(item: pytest.Item) -> ItemState:
    """Return the state of ``item``, creating an empty one for unmarked tests."""
    state = item.stash.get(_ITEM_STATE, None)
    if state is None:
        state = item.stash[_ITEM_STATE] = ItemState()
    return state


def default_group(item: pytest.Item) -> str:
    """The group of a test with no ``group=``: its function, so parametrized cases pool."""
    if isinstance(item, pytest.Function) and item.parent is not None:
        return f"{item.parent.nodeid}::{item.originalname}"
    return item.nodeid


def _specs_from_marks(
    marks: tuple[pytest.Mark, ...], group: str, nodeid: str
) -> tuple[SloSpec, ...]:
    specs: list[SloSpec] = []
    for mark in marks:
        specs.extend(specs_from_marker(mark.args, mark.kwargs, group, nodeid))
    return tuple(dict.fromkeys(specs))


def sample_count(store: ItemStore) -> int:
    """How many samples ``store`` holds over every series."""
    return sum(len(series) for series in store.series.values())


def _narrowed(config: pytest.Config) -> bool:
    """True when node ids, --lf or starting in a subdirectory left out tests that were never
    collected, so the whole suite is unknown."""
    source = config.args_source
    named = source == pytest.Config.ArgsSource.ARGS and any("::" in arg for arg in config.args)
    below = (
        source == pytest.Config.ArgsSource.INVOCATION_DIR
        and config.invocation_params.dir != config.rootpath
    )
    return named or below or bool(config.getoption("lf", False))


class _SharedScope:
    """Points ``recording_target`` at the shared store while a wider fixture tears down."""

    __slots__ = ("previous", "recorder")

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.previous: ItemStore | None = None

    def enter(self) -> None:
        self.previous = recording_target.swap(self.recorder.shared)

    def leave(self) -> None:
        recording_target.swap(self.previous)


class MarkCache:
    """Parses the ``slo`` marks of each test function once, not once per parametrized case.

    The marks of a test are its own (the function's, and a ``pytest.param``'s) followed by its
    parents' (class, module), which are looked up once per parent. Parsed specs are cached by
    the identity of the marks and the default group, so cases with the same marks share them
    (including ``declared_at``, which names the first case); a test without ``slo`` marks costs
    a scan of its own few marks.
    """

    def __init__(self) -> None:
        self._parents: dict[int, tuple[pytest.Collector, tuple[pytest.Mark, ...]]] = {}
        self._parsed: dict[tuple[object, ...], tuple[tuple[pytest.Mark, ...], ItemState]] = {}

    def _parent_marks(self, parent: object) -> tuple[pytest.Mark, ...]:
        if not isinstance(parent, pytest.Collector):
            return ()
        known = self._parents.get(id(parent))
        if known is None or known[0] is not parent:
            known = self._parents[id(parent)] = (parent, tuple(parent.iter_markers(name="slo")))
        return known[1]

    def state(self, item: pytest.Item) -> ItemState:
        """A fresh state for ``item`` with its validated specs (SloError on a bad mark)."""
        own = tuple(mark for mark in item.own_markers if mark.name == "slo")
        marks = own + self._parent_marks(item.parent)
        if not marks:
            return ItemState()
        group = default_group(item)
        key = (group, *map(id, marks))
        cached = self._parsed.get(key)
        if cached is None:  # the marks stay referenced by the entry, so their ids stay unique
            specs = _specs_from_marks(marks, group, item.nodeid)
            cached = self._parsed[key] = (marks, ItemState(specs))
        template = cached[1]
        return ItemState(template.specs, template.groups, template.specs_wire)


class Recorder:
    """Registered in every process that runs tests (serial runs and xdist workers).

    It counts what it ships, so that on an xdist worker it can send the totals at session end
    and the controller can tell a lost payload from a quiet test. Samples recorded while a
    fixture wider than one test sets up or tears down go to a shared store, never to the test
    that happened to trigger it, and travel with the next teardown report.

    With ``local`` (a serial run: the gatekeeper reads the reports in this process) nothing
    travels, so reports carry the decoded :class:`ItemRecord` and the SLO specs themselves,
    with no encoding, travel check or decoding in between.
    """

    def __init__(self, exact_cap: int, local: bool = False) -> None:
        self.exact_cap = exact_cap
        self.local = local
        #: The travel check of each function's SLO declaration, made once per function.
        self._checked: dict[tuple[int, str], tuple[object, str | None]] = {}
        self.declarations = DeclarationSender()
        self.sent_items = 0
        self.sent_samples = 0
        self.outer_target: ItemStore | None = None
        self.shared = ItemStore()
        self._shipped_shared: list[tuple[ItemStore, int]] = []
        #: (owner, count) of samples recorded after their payload had left.
        self.late: list[tuple[str, int]] = []
        #: Every test collected, before -k, -m, --deselect, --lf, --sw or node ids select.
        self.collected: dict[str, pytest.Item] = {}
        #: What this process set out to run, known once collection finished.
        self.plan: RunPlan | None = None
        self.marks = MarkCache()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        chosen = {item.nodeid for item in session.items}
        left_out = [item for nodeid, item in self.collected.items() if nodeid not in chosen]
        declared: list[Declared] = [
            (item.nodeid, selected, item_state(item).specs)
            for selected, items in ((True, session.items), (False, left_out))
            for item in items
            if item_state(item).specs
        ]
        self.plan = RunPlan(len(chosen), len(left_out), tuple(declared), _narrowed(session.config))
        self.collected.clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        if fixturedef.scope == "function":
            return (yield)
        scope = _SharedScope(self)
        fixturedef.addfinalizer(scope.leave)  # finalizers run last-in first-out:
        previous = recording_target.swap(self.shared)
        try:
            return (yield)
        finally:
            recording_target.swap(previous)
            fixturedef.addfinalizer(scope.enter)  # before the fixture's own teardown

    # innermost, so it sees every test before --lf's wrapper filters the list
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        for node in report.result:
            if not isinstance(node, pytest.Item):
                continue
            self.collected[node.nodeid] = node
            try:
                node.stash[_ITEM_STATE] = self.marks.state(node)
            except SloError as err:
                report.outcome = "failed"
                report.longrepr = str(err)
                for dropped in report.result:  # a collection error, not a selection
                    self.collected.pop(getattr(dropped, "nodeid", ""), None)
                report.result = []
                break
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        previous = recording_target.swap(item_state(item).store)
        try:
            return (yield)
        finally:
            recording_target.swap(previous)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = item_state(item)
        state.observe(report)
        if report.when == "setup" and state.specs:
            setattr(report, DECLARED_ATTRIBUTE, self._declaration(item, state))
        if report.when != "teardown":
            return report
        if state.trials_by_outcome:
            count_outcome_trial(state.store, item.nodeid, state.trial)
        if state.specs or state.store:
            self._ship(item, state, report)
        state.shipped = sample_count(state.store)
        if self.shared:
            self._ship_shared(report)
        return report

    def _specs_problem(self, specs_wire: list[dict[str, Any]], where: str) -> str | None:
        """Why a function's SLO declaration cannot travel, checked once per function (its
        cases share the list, which nobody mutates)."""
        key = (id(specs_wire), where)
        known = self._checked.get(key)
        if known is None or known[0] is not specs_wire:
            known = self._checked[key] = (specs_wire, travel_problem(specs_wire, where))
        return known[1]

    def _declaration(self, item: pytest.Item, state: ItemState) -> object:
        """What the setup report carries: the specs here, a numbered declaration for the
        controller (the specs themselves only with the function's first case)."""
        if self.local:
            return state.specs
        problem = self._specs_problem(state.specs_wire, "the SLO declaration")
        if problem:
            return damaged_payload(item.nodeid, problem)
        state.declared = True
        return self.declarations.declaration(state.specs_wire)

    def _ship(self, item: pytest.Item, state: ItemState, report: pytest.TestReport) -> None:
        """Attach the test's payload to its teardown report, packed into bytes; a payload the
        controller could not read back as sent (execnet would refuse it and take the worker
        down) is replaced by a loud one."""
        if self.local:
            record = local_record(
                item.nodeid,
                state.groups,
                state.specs,
                state.outcome,
                state.call_duration,
                state.store,
                self.exact_cap,
            )
            setattr(report, REPORT_ATTRIBUTE, record)
            self.sent_items += 1
            self.sent_samples += record.sample_count
            return
        payload = encode_item(
            item.nodeid,
            state.groups,
            state.specs,
            state.outcome,
            state.call_duration,
            state.store,
            self.exact_cap,
            state.specs_wire,
            declared=state.declared,
        )
        problem = travel_problem({key: value for key, value in payload.items() if key != "specs"})
        if not state.declared:
            problem = self._specs_problem(state.specs_wire, "payload['specs']") or problem
        if problem:
            setattr(report, REPORT_ATTRIBUTE, damaged_payload(item.nodeid, problem))
            return
        setattr(report, REPORT_ATTRIBUTE, pack_payload(payload))
        self.sent_items += 1
        self.sent_samples += sample_count(state.store)

    def withdraw(self, payload: dict[str, object] | bytes | ItemRecord) -> int:
        """Take back a payload that will not be sent; return how many samples it held."""
        if isinstance(payload, ItemRecord):  # a serial run's record
            samples = payload.sample_count
        else:
            try:
                samples = decode_item(payload, "this process", declared=()).sample_count
            except WireError:  # a damaged payload was never counted as sent
                return 0
        self.sent_items -= 1
        self.sent_samples -= samples
        return samples

    def _ship_shared(self, report: pytest.TestReport) -> None:
        shared, self.shared = self.shared, ItemStore()
        count = sample_count(shared)
        carried: object
        if self.local:
            carried = local_record(SHARED_OWNER, (), (), "passed", None, shared, self.exact_cap)
        else:
            payload = encode_item(SHARED_OWNER, (), (), "passed", None, shared, self.exact_cap)
            problem = travel_problem(payload)
            if problem:
                setattr(report, SHARED_ATTRIBUTE, damaged_payload(SHARED_OWNER, problem))
                return
            carried = pack_payload(payload)
        setattr(report, SHARED_ATTRIBUTE, carried)
        self._shipped_shared.append((shared, count))
        self.sent_samples += count

    def _late_samples(self, session: pytest.Session) -> list[tuple[str, int]]:
        """Samples that arrived in a store after its payload had left, by owner."""
        late: list[tuple[str, int]] = []
        for item in session.items:
            state = item.stash.get(_ITEM_STATE, None)
            if state is not None and state.shipped is not None:
                extra = sample_count(state.store) - state.shipped
                if extra:
                    late.append((item.nodeid, extra))
        shared = sum(sample_count(s) - n for s, n in self._shipped_shared) + sample_count(
            self.shared
        )
        if shared:
            late.append((SHARED_OWNER, shared))
        return late

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # A pytest run inside a test (pytester) must not record into the outer test.
        self.outer_target = recording_target.swap(None)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        recording_target.swap(self.outer_target)

    @pytest.hookimpl(trylast=True)  # after pytest tore down the fixtures of a stopped run
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.late = self._late_samples(session)
        output = getattr(session.config, "workeroutput", None)
        if output is not None:  # an xdist worker: fill (never replace) the dict xdist sends
            output[WORKER_OUTPUT_KEY] = worker_totals(self.sent_items, self.sent_samples)
            output[LATE_OUTPUT_KEY] = [[owner, count] for owner, count in self.late]
            if self.plan is not None:
                output[PLAN_OUTPUT_KEY] = self.plan.to_wire()


def was_rerun(report: pytest.TestReport) -> bool:
    """Whether pytest-rerunfailures ran this report's attempt again (an outcome pytest's own
    types do not know)."""
    outcome: str = report.outcome
    return outcome == "rerun"


class RerunSorter:
    """Registered with pytest-rerunfailures where tests run: one attempt, one payload.

    A rerun attempt starts from an empty store, so its payload holds only its own samples.
    pytest-rerunfailures marks the failed report of an attempt it will run again with the
    outcome ``rerun`` before logging the attempt's reports. Unless every attempt counts, this
    runs first among the ``pytest_runtest_logreport`` hooks (before xdist sends the report,
    before the gatekeeper reads it), takes such an attempt's payload off its teardown report
    and leaves the number of samples it held, which the gatekeeper counts as left out.
    """

    def __init__(self, recorder: Recorder, keep_all: bool) -> None:
        self.recorder = recorder
        self.keep_all = keep_all
        #: (node id, attempt) of the attempts that will run again; pytest-rerunfailures numbers
        #: each attempt's reports (``report.rerun``), so a teardown report it does not log
        #: cannot make a later attempt look rerun.
        self.rerun: set[tuple[str, object]] = set()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        state = item_state(item)
        if state.shipped is not None:  # an earlier attempt's payload has left: a rerun
            state.next_attempt()
            recording_target.swap(state.store)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.keep_all:
            return
        attempt = (report.nodeid, getattr(report, "rerun", None))
        if was_rerun(report):
            self.rerun.add(attempt)
        if report.when != "teardown" or attempt not in self.rerun:
            return
        self.rerun.discard(attempt)
        payload = getattr(report, REPORT_ATTRIBUTE, None)
        samples = 0
        if isinstance(payload, (dict, bytes, ItemRecord)):
            delattr(report, REPORT_ATTRIBUTE)
            samples = self.recorder.withdraw(payload)
        setattr(report, LEFT_OUT_ATTRIBUTE, samples)
