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
        """Exact builtins only, for xdist's workeroutput."""
        return {
            "selected": self.selected,
            "deselected": self.deselected,
            "named": self.named,
            "declared": [
                [nodeid, chosen, [spec.to_wire() for spec in specs]]
                for nodeid, chosen, specs in self.declared
            ],
        }

    @classmethod
    def from_wire(cls, data: object, source: str) -> RunPlan:
        """Decode :meth:`to_wire`; a damaged plan raises :class:`WireError` naming ``source``."""
        try:
            if not isinstance(data, dict):
                raise TypeError(f"expected a dict, got {type(data).__name__}")
            declared = tuple(
                (str(nodeid), bool(chosen), decode_specs(specs, source))
                for nodeid, chosen, specs in data["declared"]
            )
            return cls(int(data["selected"]), int(data["deselected"]), declared, data["named"])
        except (KeyError, TypeError, ValueError) as err:
            raise WireError(f"qametrics test plan from {source} is damaged: {err!r}") from err
