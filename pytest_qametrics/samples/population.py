"""Pooled samples of a scope (one SLO group, or the whole session) as tests finish."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_qametrics.choices import DEFAULT_EXACT_CAP, PercentileMethod
from pytest_qametrics.samples.columns import ColumnEntry, ColumnPool
from pytest_qametrics.samples.itemstore import SeriesKey, add_error, as_float_array
from pytest_qametrics.samples.wire import ItemRecord, SeriesEntry

if TYPE_CHECKING:  # numpy is imported when samples arrive: a run without any never loads it
    import numpy as np
    import numpy.typing as npt

    from pytest_qametrics.stats.digest import LatencyDigest
    from pytest_qametrics.stats.latency_stats import LatencyStats

__all__ = ["LABEL_COLUMNS", "UNTAGGED", "Chunks", "LatencyPool", "LatencySamples", "Population"]

#: The slice of a ``per="<tag>"`` SLO that holds the samples recorded without that tag: they
#: are judged on their own, never dropped.
UNTAGGED = "(untagged)"

#: Columns that hold label codes, re-coded when series of several tests pool.
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "accuracy": ("predicted", "actual"),
    "evals": ("case",),
}


@dataclass(frozen=True, slots=True)
class LatencySamples:
    """The latency samples of a scope: exact arrays, plus a digest once past the exact cap."""

    ok: npt.NDArray[np.float64]
    fail: npt.NDArray[np.float64]
    errors: dict[str, int]
    digest: LatencyDigest | None = None

    @property
    def count(self) -> int:
        """How many samples there are, exact and folded."""
        folded = self.digest.count if self.digest is not None else 0
        return int(self.ok.size + self.fail.size) + folded

    def summarize(self, method: PercentileMethod) -> LatencyStats:
        """Statistics of every sample; approximate (and marked so) when a digest is involved."""
        from pytest_qametrics.stats.latency_stats import summarize_digest, summarize_latency

        if self.digest is None:
            return summarize_latency(self.ok, self.fail, self.errors, method)
        return summarize_digest(self.digest, self.ok, self.fail, self.errors, method)


class Chunks:
    """Float64 samples kept as the arrays they arrived in; joined only when read.

    Appending never copies what is already held (a growing array would copy it on every
    resize, and each sample feeds the session's pool and its group's); past ``COMPACT_AT``
    chunks they are joined once, which bounds the per-chunk overhead.
    """

    COMPACT_AT = 4096
    __slots__ = ("count", "parts")

    def __init__(self, values: npt.NDArray[np.float64] | None = None) -> None:
        self.parts: list[npt.NDArray[np.float64]] = []
        self.count = 0
        if values is not None and values.size:
            self.append(values)

    def __len__(self) -> int:
        return self.count

    def append(self, values: npt.NDArray[np.float64]) -> None:
        """Keep ``values`` (a read-only view is fine: it is never written to)."""
        if values.size:
            self.parts.append(values)
            self.count += int(values.size)
            if len(self.parts) >= self.COMPACT_AT:
                self.parts = [self.joined()]

    def extend(self, other: Chunks) -> None:
        """Keep every chunk of ``other`` as well."""
        for part in other.parts:
            self.append(part)

    def joined(self) -> npt.NDArray[np.float64]:
        """All samples as one new array."""
        import numpy as np

        if not self.parts:
            return np.empty(0, dtype=np.float64)
        return np.concatenate(self.parts)


class LatencyPool:
    """The durations of one series pooled over many tests, exact up to ``cap`` samples."""

    __slots__ = ("cap", "digest", "errors", "fail", "ok")

    def __init__(self, cap: int = DEFAULT_EXACT_CAP) -> None:
        self.cap = cap
        self.ok = Chunks()
        self.fail = Chunks()
        self.errors: dict[str, int] = {}
        self.digest: LatencyDigest | None = None

    def add(self, entry: SeriesEntry) -> None:
        """Append one test's samples of this series, folding into the digest past the cap."""
        self.ok.append(entry.ok)
        self.fail.append(entry.fail)
        for message, count in entry.errors.items():
            add_error(self.errors, message, count)
        if entry.digest is not None:
            self._digest().merge(entry.digest)
        if len(self.ok) + len(self.fail) > self.cap:
            self._fold()

    def absorb(self, other: LatencyPool) -> None:
        """Pool another pool of the same series (a shard's) into this one."""
        self.ok.extend(other.ok)
        self.fail.extend(other.fail)
        for message, count in other.errors.items():
            add_error(self.errors, message, count)
        if other.digest is not None:
            self._digest().merge(other.digest)
        if len(self.ok) + len(self.fail) > self.cap:
            self._fold()

    def _digest(self) -> LatencyDigest:
        from pytest_qametrics.stats.digest import LatencyDigest

        if self.digest is None:
            self.digest = LatencyDigest()
        return self.digest

    def _fold(self) -> None:
        self._digest().add(self.ok.joined(), self.fail.joined())
        self.ok, self.fail = Chunks(), Chunks()


class Population:
    """The samples, call durations and outcomes of the tests in one scope."""

    def __init__(self, cap: int = DEFAULT_EXACT_CAP) -> None:
        self.cap = cap
        self.series: dict[SeriesKey, LatencyPool] = {}
        self.columns: dict[SeriesKey, ColumnPool] = {}
        self.call_durations: array[float] = array("d")
        self.items = 0
        self.skipped = 0
        self.nodeids: list[str] = []
        #: (table, tag name) -> (table size when built, tag value -> series keys).
        self._index: dict[tuple[int, str], tuple[int, dict[str, list[SeriesKey]]]] = {}

    @property
    def all_skipped(self) -> bool:
        """True when the scope had tests and every one of them was skipped."""
        return self.items > 0 and self.skipped == self.items

    def add_samples(self, record: ItemRecord) -> None:
        """Pool the series of one finished test."""
        for entry in record.series:
            if isinstance(entry, ColumnEntry):
                self.column_pool_for(entry.key).add(entry, record.nodeid)
                continue
            pool = self.series.get(entry.key)
            if pool is None:
                pool = self.series[entry.key] = LatencyPool(self.cap)
            pool.add(entry)

    def label_clashes(self) -> list[str]:
        """One message per column series whose labels mix types that print alike."""
        messages = []
        for (tracker, name, _tags), pool in self.columns.items():
            if pool.clashes:
                target = f"{tracker}[operation={name}]" if name else tracker
                messages.append(
                    f"qametrics: {target} has labels of different types that look the same: "
                    f"{'; '.join(pool.clashes[:3])}; they are judged as different classes, "
                    "so record every label of one type (e.g. str(label))"
                )
        return messages

    def distinct_values(self) -> dict[tuple[str, str], int]:
        """How many distinct values each (tracker, ``operation`` or tag name) took: every
        distinct value is a series of its own, held in memory and written to the artifact."""
        seen: dict[tuple[str, str], set[str]] = {}
        for table in (self.series, self.columns):
            for tracker, name, tags in table:
                seen.setdefault((tracker, "operation"), set()).add(name)
                for tag, value in tags:
                    seen.setdefault((tracker, tag), set()).add(value)
        return {key: len(values) for key, values in seen.items()}

    def column_pool_for(self, key: SeriesKey) -> ColumnPool:
        """The pool of one column series, created on first use."""
        pool = self.columns.get(key)
        if pool is None:
            pool = self.columns[key] = ColumnPool(LABEL_COLUMNS.get(key[0], ()))
        return pool

    def column_pool(
        self, tracker: str, name: str | None = None, tag: tuple[str, str] | None = None
    ) -> ColumnPool:
        """Every column series of ``tracker`` (or of one metric ``name``, or with one tag)."""
        merged = ColumnPool(LABEL_COLUMNS.get(tracker, ()))
        for kind, series_name, tags in self._keys(self.columns, tag):
            if kind == tracker and (name is None or series_name == name) and _has(tags, tag):
                merged.absorb(self.columns[(kind, series_name, tags)])
        return merged

    def slices(self, tracker: str, per: str, name: str | None = None) -> list[str]:
        """The values of ``per`` (``operation`` or a tag name) among the scope's series; for a
        tag, ``UNTAGGED`` stands for the series without that tag, when there are any."""
        keys = self.series if tracker == "latency" else self.columns
        found: set[str] = set()
        for kind, series_name, tags in keys:
            if kind != tracker or (name is not None and series_name != name):
                continue
            if per == "operation":
                found.add(series_name)
                continue
            values = [value for key, value in tags if key == per]
            found.update(values or [UNTAGGED])
        if found == {UNTAGGED}:  # no sample carries the tag at all
            return []
        return sorted(found)

    def _keys(
        self, table: dict[SeriesKey, Any], tag: tuple[str, str] | None
    ) -> Iterable[SeriesKey]:
        """The keys of ``table`` that may carry ``tag``: all of them, or (for a tag) the few an
        index built once per tag name lists, so judging every slice stays linear."""
        if tag is None:
            return table.keys()
        index = self._index.get((id(table), tag[0]))
        if index is None or index[0] != len(table):
            grouped: dict[str, list[SeriesKey]] = {}
            for key in table:
                values = [value for name, value in key[2] if name == tag[0]]
                for value in values or [UNTAGGED]:
                    grouped.setdefault(value, []).append(key)
            index = self._index[(id(table), tag[0])] = (len(table), grouped)
        return index[1].get(tag[1], [])

    def add_member(self, record: ItemRecord) -> None:
        """Pool one test of this scope with its outcome and call duration."""
        self.add_samples(record)
        self.items += 1
        self.nodeids.append(record.nodeid)
        if record.outcome == "skipped":
            self.skipped += 1
        elif record.call_duration is not None:
            self.call_durations.append(record.call_duration)

    def latency(self, operation: str | None, tag: tuple[str, str] | None = None) -> LatencySamples:
        """Return every latency sample of the scope, or those of one operation or tag value."""
        from pytest_qametrics.stats.digest import LatencyDigest

        pools = [
            self.series[(tracker, name, tags)]
            for tracker, name, tags in self._keys(self.series, tag)
            if tracker == "latency" and (operation is None or name == operation) and _has(tags, tag)
        ]
        errors: dict[str, int] = {}
        digest: LatencyDigest | None = None
        for pool in pools:
            for message, count in pool.errors.items():
                add_error(errors, message, count)
            if pool.digest is not None:
                digest = digest or LatencyDigest()
                digest.merge(pool.digest)
        ok = _join([p.ok for p in pools])
        fail = _join([p.fail for p in pools])
        return LatencySamples(ok, fail, errors, digest)

    def call_duration_samples(self) -> LatencySamples:
        """The tests' call durations as latency samples (the fallback source)."""
        import numpy as np

        calls = as_float_array([self.call_durations])
        return LatencySamples(calls, np.empty(0, dtype=np.float64), {})


def _has(tags: tuple[tuple[str, str], ...], tag: tuple[str, str] | None) -> bool:
    if tag is None:
        return True
    if tag[1] == UNTAGGED:
        return all(name != tag[0] for name, _ in tags)
    return tag in tags


def _join(chunks: list[Chunks]) -> npt.NDArray[np.float64]:
    import numpy as np

    parts = [part for c in chunks for part in c.parts]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)
