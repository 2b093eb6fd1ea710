"""What a run set out to test: tests selected and deselected, and the SLOs each declares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_qametrics.samples.wire import WireError, decode_specs
from pytest_qametrics.slo.spec import SloSpec

__all__ = ["PLAN_OUTPUT_KEY", "Declared", "RunPlan"]

#: The workeroutput key of a worker's plan (every worker collects and selects the same tests).
PLAN_OUTPUT_KEY = "qametrics_plan_v1"

#: (node id, selected, SLOs it declares) of one collected test that declares SLOs.
Declared = tuple[str, bool, tuple[SloSpec, ...]]


@dataclass(frozen=True, slots=True)
class RunPlan:
    """The tests a run collected and kept after selection (``-k``, ``-m``, ``--deselect``,
    ``--lf``, ``--sw``, node ids), and, for those that declare SLOs, which SLOs.

    ``named`` is true when node ids (``file.py::test``), ``--lf`` or starting pytest in a
    subdirectory chose the tests: files left out were never collected, so the whole suite
    is unknown.
    """

    selected: int = 0
    deselected: int = 0
    declared: tuple[Declared, ...] = ()
    named: bool = False

    @property
    def collected(self) -> int:
        """Tests collected before selection."""
        return self.selected + self.deselected

    def to_wire(self) -> dict[str, Any]:
        """Exact builtins only, for xdist's workeroutput: each distinct list of specs once
        (a function's cases share theirs), and each test with the index of its list."""
        lists: list[list[dict[str, Any]]] = []
        # by identity: equal specs may differ in declared_at, which equality leaves out
        index: dict[int, int] = {}
        declared: list[list[Any]] = []
        for nodeid, chosen, specs in self.declared:
            number = index.get(id(specs))  # self.declared holds the tuples: ids stay unique
            if number is None:
                number = index[id(specs)] = len(lists)
                lists.append([spec.to_wire() for spec in specs])
            declared.append([nodeid, chosen, number])
        return {
            "selected": self.selected,
            "deselected": self.deselected,
            "named": self.named,
            "spec_lists": lists,
            "declared": declared,
        }

    @classmethod
    def from_wire(cls, data: object, source: str) -> RunPlan:
        """Decode :meth:`to_wire`; a damaged plan raises :class:`WireError` naming ``source``."""
        try:
            if not isinstance(data, dict):
                raise TypeError(f"expected a dict, got {type(data).__name__}")
            lists = [decode_specs(specs, source) for specs in data["spec_lists"]]
            declared = tuple(
                (str(nodeid), bool(chosen), _listed(lists, number))
                for nodeid, chosen, number in data["declared"]
            )
            return cls(int(data["selected"]), int(data["deselected"]), declared, data["named"])
        except (IndexError, KeyError, TypeError, ValueError) as err:
            raise WireError(f"qametrics test plan from {source} is damaged: {err!r}") from err


def _listed(lists: list[tuple[SloSpec, ...]], number: object) -> tuple[SloSpec, ...]:
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < len(lists):
        raise IndexError(f"spec list {number!r} of {len(lists)}")
    return lists[number]
