"""One row per finished test for the reports: outcome, call duration, series fed, worker, place."""

from __future__ import annotations

import re

__all__ = ["OUTCOMES", "TestLog", "TestRow", "natural_key"]

#: Outcomes a row may have: pytest's words, plus ``crashed`` (its xdist worker died) and
#: ``interrupted`` (the run stopped while the test was running), and ``rerun`` (an attempt
#: that pytest-rerunfailures ran again; the test's final attempt has a row of its own).
OUTCOMES = (
    "passed",
    "failed",
    "error",
    "skipped",
    "xfailed",
    "xpassed",
    "crashed",
    "interrupted",
    "rerun",
)

#: nodeid, outcome, call duration (None without a call phase), worker, file, 1-based line.
TestRow = tuple[str, str, float | None, str | None, str | None, int | None]
_Key = tuple[str, str | None]


class TestLog:
    """Folds the setup, call and teardown reports of each test into one row, cheaply.

    A test is keyed by node id and worker, since ``--dist each`` runs it on every worker.
    The series a test fed arrive with its payload and are joined to its row when read.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name
    __slots__ = ("_open", "_series", "rows")

    def __init__(self) -> None:
        self.rows: list[TestRow] = []
        self._open: dict[_Key, list[object]] = {}
        self._series: dict[_Key, tuple[str, ...]] = {}

    def phase(
        self,
        nodeid: str,
        when: str,
        outcome: str,
        duration: float,
        worker: str | None = None,
        location: tuple[str, int | None, str] | None = None,
        xfail: bool = False,
    ) -> None:
        """Fold one phase report in; the teardown report closes the row."""
        key = (nodeid, worker)
        row = self._open.get(key)
        if row is None:
            file, line = (location[0], location[1]) if location is not None else (None, None)
            row = self._open[key] = ["passed", None, file, None if line is None else line + 1]
        row[0] = _fold(str(row[0]), when, outcome, xfail)
        if when == "call":
            row[1] = float(duration)
        if when == "teardown":
            del self._open[key]
            self.rows.append(_close(nodeid, worker, row))

    def nodeids(self) -> set[str]:
        """The node id of every test that started, finished or not (:meth:`finished`'s,
        without sorting the rows)."""
        return {row[0] for row in self.rows} | {nodeid for nodeid, _ in self._open}

    def fed(self, nodeid: str, worker: str | None, series: tuple[str, ...]) -> None:
        """Note the series (``tracker:name``) a test recorded into."""
        self._series[(nodeid, worker)] = series

    def crashed(self, nodeid: str, worker: str | None) -> None:
        """Close the row of a test whose worker died while running it."""
        row = self._open.pop((nodeid, worker), None) or ["crashed", None, None, None]
        row[0] = "crashed"
        self.rows.append(_close(nodeid, worker, row))

    def series_of(self, nodeid: str, worker: str | None) -> tuple[str, ...]:
        """The series a test fed, or ``()``."""
        return self._series.get((nodeid, worker), ())

    def finished(self) -> list[TestRow]:
        """Every row sorted by node id and worker; tests still open count as interrupted."""
        still_open = [
            _close(nodeid, worker, ["interrupted", *row[1:]])
            for (nodeid, worker), row in self._open.items()
        ]
        return sorted([*self.rows, *still_open], key=lambda r: (natural_key(r[0]), r[3] or ""))


_DIGITS = re.compile(r"(\d+)")


def natural_key(nodeid: str) -> str:
    """Sort key that puts ``test[2]`` before ``test[10]``."""
    return _DIGITS.sub(lambda digits: digits.group().zfill(20), nodeid)


def _fold(previous: str, when: str, outcome: str, xfail: bool) -> str:
    """The outcome so far after one more phase, as pytest's summary would count it."""
    if outcome == "rerun" or previous == "rerun":
        return "rerun"
    if outcome == "failed":
        if when == "call":
            return "failed"
        return previous if previous == "failed" else "error"
    if outcome == "skipped":
        return "xfailed" if xfail else "skipped"
    if when == "call" and xfail:
        return "xpassed"
    return previous


def _close(nodeid: str, worker: str | None, row: list[object]) -> TestRow:
    outcome, duration, file, line = row
    return (
        nodeid,
        str(outcome),
        duration if isinstance(duration, float) else None,
        worker,
        file if isinstance(file, str) else None,
        line if isinstance(line, int) else None,
    )
