"""Trials, early stopping and cost budgets: which items run, and which are skipped and why.

Where tests are collected, :class:`TrialPlanner` turns ``slo(trials=N)`` (or the ini
``qametrics_trials``) into N items per case, ``test_x[case-trial3]``, so that xdist spreads them.
The process that judges (a serial run, or the xdist controller) feeds every arriving payload to
a :class:`StopWatcher`: it watches the confidence sequence of each ``stop_early`` SLO and the
recorded ``cost_usd``, and posts each decision on a :class:`Board`. Before an item sets up, the
planner reads the board and skips the item when its group is decided or a budget is spent.
Under xdist the board is a JSON file in a temporary directory whose path the controller gives
each worker; a worker on another host (``--tx ssh=...``) cannot read it and runs every item.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_qametrics.samples.columns import ColumnEntry
from pytest_qametrics.samples.wire import ItemRecord
from pytest_qametrics.settings import Settings
from pytest_qametrics.slo.catalogue import TRACKERS
from pytest_qametrics.slo.spec import SloError, group_controls

if TYPE_CHECKING:  # numpy comes with it: imported where a stop_early group is first watched
    from pytest_qametrics.judge.early import GroupWatch

__all__ = [
    "BOARD_INPUT_KEY",
    "BUDGET_ATTRIBUTE",
    "DECIDED_PREFIX",
    "SAVED_ATTRIBUTE",
    "Board",
    "BoardReader",
    "BoardShare",
    "StopWatcher",
    "TrialPlanner",
]

#: The workerinput key of the board file's path.
BOARD_INPUT_KEY = "qametrics_board"
#: The setup report's attribute naming the test's group budgets: [[group, usd], ...].
BUDGET_ATTRIBUTE = "qametrics_budget"
#: The setup report's attribute of an item skipped because its group was decided: the group.
SAVED_ATTRIBUTE = "qametrics_saved"
_SAVED = pytest.StashKey[str]()
#: How the skip reason of an item saved by early stopping starts.
DECIDED_PREFIX = "qametrics: decided after"
#: How the skip reason of an item a budget kept from starting starts.
BUDGET_PREFIX = "qametrics: budget"
_EVALS_KEYS = frozenset(TRACKERS["evals"])
_EVERY_GROUP = "*"


class Board:
    """Decisions by group (``"*"``: every item): what a skipped item's reason says.

    Without a path it lives in this process (a serial run); with one, the judging process
    writes it as JSON (atomically, by rename) and test processes re-read it when it changed.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.decisions: dict[str, dict[str, Any]] = {}
        self._stamp: int | None = None

    def post(self, group: str, decision: dict[str, Any]) -> None:
        """Post one decision (the first for a group stays)."""
        if group in self.decisions:
            return
        self.decisions[group] = decision
        if self.path is not None:
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self.decisions), encoding="utf-8")
            os.replace(temporary, self.path)

    def refresh(self) -> dict[str, dict[str, Any]]:
        """The decisions as the judging process last wrote them."""
        if self.path is None:
            return self.decisions
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:  # nothing posted yet, or a remote worker that cannot see the file
            return self.decisions
        if stamp != self._stamp:
            try:
                self.decisions = json.loads(self.path.read_text(encoding="utf-8"))
                self._stamp = stamp
            except (OSError, ValueError):  # pragma: no cover - renamed into place whole
                pass
        return self.decisions


def _mark_controls(marks: list[pytest.Mark], where: str) -> tuple[int | None, float | None, int]:
    """(trials, budget_usd, largest k) over a function's ``slo`` marks."""
    trials: int | None = None
    budget: float | None = None
    largest_k = 0
    for mark in marks:
        controls = group_controls(mark.kwargs, where)
        trials = controls.trials if controls.trials is not None else trials
        budget = controls.budget_usd if controls.budget_usd is not None else budget
        k = mark.kwargs.get("k")
        if isinstance(k, int) and not isinstance(k, bool):
            largest_k = max(largest_k, k)
    return trials, budget, largest_k


class TrialPlanner:
    """Registered where tests are collected and run: trials, and skips from the board."""

    def __init__(self, settings: Settings, board: Board) -> None:
        self.settings = settings
        self.board = board
        #: Groups with a stop_early SLO or a budget, known once collection finished.
        self.watched: set[str] = set()
        self.active = settings.budget_usd is not None
        self._planned: Counter[str] | None = None
        self._items: list[pytest.Item] = []
        self.budgets: dict[tuple[str, str], float] = {}
        #: Node ids of the functions whose cases run as trials.
        self._trial_functions: set[str] = set()

    @pytest.hookimpl(trylast=True)  # after @pytest.mark.parametrize: ids end with -trialN
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        marks = list(metafunc.definition.iter_markers(name="slo"))
        if not marks:
            return
        where = f"@pytest.mark.slo on {metafunc.definition.nodeid}"
        try:
            trials, budget, largest_k = _mark_controls(marks, metafunc.definition.nodeid)
        except SloError as err:
            raise pytest.Collector.CollectError(str(err)) from None
        if budget is not None:
            key = (
                metafunc.definition.parent.nodeid if metafunc.definition.parent else "",
                metafunc.function.__name__,
            )
            self.budgets[key] = budget
        evals = any(key in _EVALS_KEYS for mark in marks for key in mark.kwargs)
        if trials is None and evals:
            trials = self.settings.trials
            if trials is not None and largest_k > trials:
                raise pytest.Collector.CollectError(
                    f"{where}: k={largest_k} tries cannot be judged on qametrics_trials = "
                    f"{trials}; set trials={largest_k} or more on the mark or in the ini file"
                )
        if trials is None or trials == 1:
            return
        self._trial_functions.add(metafunc.definition.nodeid)
        metafunc.fixturenames.append("qametrics_trial")
        metafunc.parametrize(
            "qametrics_trial",
            range(1, trials + 1),
            ids=[f"trial{i}" for i in range(1, trials + 1)],
            indirect=True,
        )

    def budget_of(self, item: pytest.Item) -> float | None:
        """The ``budget_usd=`` of the item's function, if it set one."""
        if not self.budgets:
            return None
        parent = item.parent.nodeid if item.parent is not None else ""
        return self.budgets.get((parent, getattr(item, "originalname", item.name)))

    def reason(self, group: str, decision: dict[str, Any]) -> str:
        """The skip reason of an item of ``group``: decided after N of M trials, or a budget."""
        if "after" not in decision:
            return str(decision["reason"])
        if self._planned is None:
            from pytest_qametrics.session.recorder import item_state

            self._planned = Counter(g for i in self._items for g in item_state(i).groups)
        return f"{DECIDED_PREFIX} {decision['after']} of {self._planned[group]} trials"

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Run trials round by round: every case's trial 1, then every case's trial 2, so a
        group decided early rests on all of its cases, not on the first case's trials."""
        if not self._trial_functions:
            return
        start = 0
        while start < len(items):
            function = _function_of(items[start])
            end = start + 1
            while end < len(items) and _function_of(items[end]) == function:
                end += 1
            if function in self._trial_functions:
                items[start:end] = sorted(items[start:end], key=_trial_number)
            start = end

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from pytest_qametrics.session.recorder import item_state

        for item in session.items:
            state = item_state(item)
            if any(spec.stop_early for spec in state.specs) or self.budget_of(item) is not None:
                self.watched.update(state.groups)
        self.active = self.active or bool(self.watched)
        if self.active:  # tests pay for these hooks only when something may skip them
            self._items = list(session.items)
            session.config.pluginmanager.register(BoardReader(self), "qametrics-board-reader")


class BoardReader:
    """Registered with the planner once collection shows that something may skip tests: reads
    the board before each item and marks the reports of skipped and budgeted items."""

    def __init__(self, planner: TrialPlanner) -> None:
        self.planner = planner

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        decisions = self.planner.board.refresh()
        if not decisions:
            return
        from pytest_qametrics.session.recorder import item_state

        every = decisions.get(_EVERY_GROUP)
        if every is not None:
            _skip(str(every["reason"]))
        for group in item_state(item).groups:
            decision = decisions.get(group)
            if decision is not None:
                if "after" in decision:
                    item.stash[_SAVED] = group
                _skip(self.planner.reason(group, decision))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.when == "setup" and _SAVED in item.stash:
            setattr(report, SAVED_ATTRIBUTE, item.stash[_SAVED])
        if report.when == "setup" and self.planner.budgets:
            budget = self.planner.budget_of(item)
            if budget is not None:
                from pytest_qametrics.session.recorder import item_state

                groups = item_state(item).groups
                setattr(report, BUDGET_ATTRIBUTE, [[group, budget] for group in groups])
        return report


@dataclass
class Spending:
    """What one budget allows and what was recorded against it."""

    limit: float
    spent: float = 0.0
    reached: bool = False


@dataclass(eq=False)  # a plugin object: hashed by identity
class StopWatcher:
    """In the judging process: watches sequences and costs, posts decisions, counts skips."""

    board: Board
    session_budget: float | None = None
    watches: dict[str, GroupWatch] = field(default_factory=dict)
    budgets: dict[str, Spending] = field(default_factory=dict)
    #: Items skipped because their group was decided, by group.
    saved: Counter[str] = field(default_factory=Counter)
    #: Items a budget kept from starting.
    not_started: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.session_budget is not None:
            self.budgets[_EVERY_GROUP] = Spending(self.session_budget)

    def note_budgets(self, entries: object) -> None:
        """Take the ``[[group, usd], ...]`` a setup report carries."""
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], (int, float)):
                self.budgets.setdefault(str(entry[0]), Spending(float(entry[1])))

    def observe(self, record: ItemRecord) -> None:
        """Feed one finished test's trials and costs; post what they decide."""
        cost = _cost(record) if self.budgets else 0.0
        if cost:
            for group in (_EVERY_GROUP, *record.groups):
                self._spend(group, cost)
        for group in record.groups:
            self._watch(group, record)

    def _spend(self, group: str, cost: float) -> None:
        spending = self.budgets.get(group)
        if spending is None or spending.reached:
            return
        spending.spent += cost
        if spending.spent >= spending.limit:
            spending.reached = True
            where = "qametrics_budget_usd" if group == _EVERY_GROUP else f"budget_usd of {group}"
            reason = (
                f"{BUDGET_PREFIX} spent: ${spending.spent:.2f} of cost_usd recorded reached "
                f"{where} = ${spending.limit:.2f}; not started"
            )
            self.board.post(group, {"reason": reason})

    def _watch(self, group: str, record: ItemRecord) -> None:
        specs = [s for s in record.specs if s.scope == group and s.stop_early]
        watch = self.watches.get(group)
        if not specs and watch is None:  # the common case: nothing stops this group early
            return
        from pytest_qametrics.judge.early import GroupWatch, rows_of

        if specs:
            if watch is None:
                watch = self.watches[group] = GroupWatch()
            watch.include(specs)
        if watch is None or watch.decided_after is not None:
            return
        for entry in record.series:
            if isinstance(entry, ColumnEntry) and entry.key[0] == "evals":
                codes = entry.columns["case"].tolist()
                rows = rows_of(entry.labels, codes, entry.columns["passed"].tolist())
                for case, passed in rows:
                    if watch.add(case, passed):
                        self.board.post(group, {"after": watch.trials})
                        return

    def setup_report(self, report: pytest.TestReport) -> None:
        """Take a setup report's budgets, and count it if a decision or a budget skipped it
        (the gatekeeper passes each on: one hook call fewer per test)."""
        budgets = report.__dict__.get(BUDGET_ATTRIBUTE)
        if budgets is not None:
            self.note_budgets(budgets)
        if report.outcome != "skipped":
            return
        saved = report.__dict__.get(SAVED_ATTRIBUTE)
        if saved is not None:
            self.saved[str(saved)] += 1
            return
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        if reason.removeprefix("Skipped: ").startswith(BUDGET_PREFIX):
            self.not_started.append(report.nodeid)

    def to_report(self) -> dict[str, Any] | None:
        """report.json's ``stopped``: groups decided early and budgets reached (None: none)."""
        early = [
            {"group": group, "decided_after": watch.decided_after, "saved": self.saved[group]}
            for group, watch in self.watches.items()
            if watch.decided_after is not None
        ]
        budgets = [
            {
                "scope": "session" if group == _EVERY_GROUP else group,
                "limit_usd": spending.limit,
                "spent_usd": spending.spent,
            }
            for group, spending in self.budgets.items()
            if spending.reached
        ]
        if not early and not budgets:
            return None
        return {"early": early, "budgets": budgets, "not_started": list(self.not_started)}

    def summary(self) -> list[str]:
        """The summary's lines about decided groups and spent budgets."""
        lines = []
        for group, watch in self.watches.items():
            if watch.decided_after is not None:
                lines.append(
                    f"qametrics: stopped early: {group} was decided after "
                    f"{watch.decided_after} trials; {self.saved[group]} items saved"
                )
        for group, spending in self.budgets.items():
            if spending.reached:
                where = "qametrics_budget_usd" if group == _EVERY_GROUP else f"{group} budget_usd"
                names = ", ".join(self.not_started[:5])
                more = len(self.not_started) - 5
                listed = f": {names}{f' (+{more} more)' if more > 0 else ''}" if names else ""
                lines.append(
                    f"qametrics: budget: ${spending.spent:.2f} of cost_usd reached {where} = "
                    f"${spending.limit:.2f}; {len(self.not_started)} tests not started{listed}; "
                    "their SLOs are judged on what was recorded"
                )
        return lines


def _skip(reason: str) -> None:
    """Skip the item, reported at the test's own location (as a skip mark is)."""
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _function_of(item: pytest.Item) -> str:
    return item.nodeid.split("[", 1)[0]


def _trial_number(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    params = getattr(callspec, "params", {})
    return int(params.get("qametrics_trial", 0))


def _cost(record: ItemRecord) -> float:
    total = 0.0
    for entry in record.series:
        if (
            isinstance(entry, ColumnEntry)
            and entry.key[0] == "metric"
            and entry.key[1] == "cost_usd"
        ):
            values = entry.columns.get("value")
            if values is not None and values.size:
                total += math.fsum(v for v in values.tolist() if math.isfinite(v))
    return total


class BoardShare:
    """Registered on the xdist controller: gives every worker the board file's path."""

    def __init__(self, watcher: StopWatcher) -> None:
        self.watcher = watcher
        self.directory: Path | None = None

    def pytest_configure_node(self, node: Any) -> None:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="qametrics-board-"))
            self.watcher.board.path = self.directory / "decisions.json"
        node.workerinput[BOARD_INPUT_KEY] = str(self.watcher.board.path)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
