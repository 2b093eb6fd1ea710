"""Column series: the samples of the accuracy, escalation and custom-metric trackers.

A column series keeps one typed array per field (``'d'`` floats, ``'q'`` integers), and codes
categorical labels as integers into a per-series vocabulary, so a sample costs a few array
appends and never a Python object.
"""

from __future__ import annotations

import numbers
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where samples are decoded or pooled, not to record them
    import numpy as np
    import numpy.typing as npt

from pytest_qametrics.samples.text import safe_text

__all__ = [
    "EXAMPLES_KEPT",
    "ColumnEntry",
    "ColumnPool",
    "ColumnSeries",
    "Label",
    "label_kind",
]

Label = str | int | bool
SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]
#: Examples (e.g. misclassified inputs with their metadata) kept per series for the report.
EXAMPLES_KEPT = 20


def label_kind(label: object) -> str:
    """Return ``"str"``, ``"int"`` or ``"bool"``; anything else is a ValueError."""
    if isinstance(label, bool):
        return "bool"
    if isinstance(label, numbers.Integral):
        return "int"
    if isinstance(label, str):
        return "str"
    raise ValueError(f"label {label!r} must be a str, int or bool, not {type(label).__name__}")


def _plain(label: Label) -> Label:
    if isinstance(label, str):
        return safe_text(label)
    if isinstance(label, bool):
        return label
    return int(label)


class ColumnSeries:
    """One series of one test: named typed columns plus the label vocabulary."""

    __slots__ = ("columns", "examples", "kind", "label_index", "labels")

    def __init__(self, columns: Mapping[str, str]) -> None:
        self.columns: dict[str, array[Any]] = {n: array(t) for n, t in columns.items()}
        self.labels: list[Label] = []
        self.label_index: dict[tuple[str, Label], int] = {}
        self.kind: str | None = None
        self.examples: list[dict[str, Any]] = []

    def __len__(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first)

    def code(self, label: object, role: str) -> int:
        """Return the vocabulary index of ``label``; every label of a series has one type."""
        kind = label_kind(label)
        if self.kind is None:
            self.kind = kind
        elif kind != self.kind:
            raise ValueError(
                f"{role} label {label!r} is a {kind}, but this series already holds {self.kind} "
                f"labels; use one label type per series (e.g. all str)"
            )
        key = (kind, label)  # keeps True apart from 1
        index = self.label_index.get(key)  # type: ignore[arg-type]
        if index is None:
            index = self.label_index[key] = len(self.labels)  # type: ignore[index]
            self.labels.append(_plain(label))  # type: ignore[arg-type]
        return index

    def keep_example(self, example: dict[str, Any]) -> None:
        """Keep ``example`` for the report while fewer than EXAMPLES_KEPT are kept."""
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(example)

    def to_wire(self, cap: int = 0) -> dict[str, Any]:
        """Return exact builtins: little-endian bytes per column, the vocabulary, examples.

        Column series always travel exactly (``cap`` applies to latency series only).
        """
        import numpy as np

        return {
            "columns": {
                name: [values.typecode, np.asarray(values).astype(_WIRE[values.typecode]).tobytes()]
                for name, values in self.columns.items()
            },
            "labels": list(self.labels),
            "examples": [dict(e) for e in self.examples],
        }


_WIRE = {"d": "<f8", "q": "<i8"}
_NATIVE = {"d": "float64", "q": "int64"}


@dataclass(frozen=True, slots=True)
class ColumnEntry:
    """One decoded column series of one test."""

    key: SeriesKey
    columns: dict[str, npt.NDArray[Any]]
    labels: list[Label]
    examples: list[dict[str, Any]]

    @property
    def count(self) -> int:
        """How many samples the entry carries."""
        return int(next(iter(self.columns.values())).size) if self.columns else 0

    @classmethod
    def from_wire(cls, key: SeriesKey, entry: Mapping[str, Any]) -> ColumnEntry:
        """Decode the ``to_wire`` form of a ColumnSeries."""
        import numpy as np

        columns = {
            str(name): np.frombuffer(data, dtype=_WIRE[code]).astype(_NATIVE[code])
            for name, (code, data) in entry["columns"].items()
        }
        sizes = {column.size for column in columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"columns of series {key} have different lengths {sorted(sizes)}")
        labels: list[Label] = [_plain(label) for label in entry["labels"]]
        return cls(key, columns, labels, [dict(e) for e in entry["examples"]])


class ColumnPool:
    """A column series pooled over many tests; label columns are re-coded to one vocabulary."""

    __slots__ = (
        "_spellings",
        "clashes",
        "columns",
        "examples",
        "label_columns",
        "label_index",
        "labels",
    )

    def __init__(self, label_columns: Sequence[str] = ()) -> None:
        self.columns: dict[str, list[npt.NDArray[Any]]] = {}
        self.labels: list[Label] = []
        self.label_index: dict[tuple[str, Label], int] = {}
        self.label_columns = tuple(label_columns)
        self.examples: list[dict[str, Any]] = []
        #: Labels that print the same but are of different types (int 1 and str "1"), in words.
        self.clashes: list[str] = []
        self._spellings: dict[str, tuple[Label, str]] = {}

    def _recode(self, labels: list[Label], owner: str) -> npt.NDArray[np.int64]:
        import numpy as np

        mapping = np.empty(len(labels), dtype=np.int64)
        for position, label in enumerate(labels):
            key = (label_kind(label), label)
            index = self.label_index.get(key)
            if index is None:
                index = self.label_index[key] = len(self.labels)
                self.labels.append(label)
                self._note_spelling(label, owner)
            mapping[position] = index
        return mapping

    def _note_spelling(self, label: Label, owner: str) -> None:
        """Remember who first wrote a label's text; a second type of the same text is a clash."""
        first = self._spellings.setdefault(str(label), (label, owner))
        if label_kind(first[0]) != label_kind(label):
            where = f" (first in {first[1]}, then in {owner})" if first[1] and owner else ""
            self.clashes.append(
                f"{first[0]!r} ({label_kind(first[0])}) and {label!r} ({label_kind(label)}){where}"
            )

    def add(self, entry: ColumnEntry, owner: str = "") -> None:
        """Append one test's samples (``owner`` names the test, for messages)."""
        mapping = self._recode(entry.labels, owner)
        for name, values in entry.columns.items():
            if name in self.label_columns and values.size:
                values = mapping[values]
            self.columns.setdefault(name, []).append(values)
        room = EXAMPLES_KEPT - len(self.examples)
        self.examples.extend(entry.examples[: max(room, 0)])

    def absorb(self, other: ColumnPool) -> None:
        """Pool another pool of the same series (a shard's)."""
        self.add(ColumnEntry(("", "", ()), other.arrays(), list(other.labels), other.examples))

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Each column joined into one array."""
        import numpy as np

        return {name: np.concatenate(parts) for name, parts in self.columns.items()}
