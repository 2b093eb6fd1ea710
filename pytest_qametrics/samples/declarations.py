"""SLO declarations between an xdist worker and the controller, each function's sent once.

The cases of a parametrized function share one list of specs. A worker sends that list with
the setup report of the first case it runs, under a number, and only the number with the
others; the controller keeps what each worker numbered. A teardown payload then carries no
specs at all: they are the ones its test's setup report declared. Reports of one worker
arrive in the order it sent them, so a number always arrives after its specs.
"""

from __future__ import annotations

from typing import Any

from pytest_qametrics.samples.wire import WireError, decode_specs
from pytest_qametrics.slo.spec import SloSpec

__all__ = ["DeclarationBook", "DeclarationSender"]

#: The key of a declaration's number, and of the specs sent with its first use.
REF = "ref"
SPECS = "specs"


class DeclarationSender:
    """On a worker: the declaration a setup report carries, the specs on first use only."""

    __slots__ = ("_numbers",)

    def __init__(self) -> None:
        #: id(specs list) -> (the list, kept so that its id stays unique; its number).
        self._numbers: dict[int, tuple[object, int]] = {}

    def declaration(self, specs_wire: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"ref": n, "specs": [...]}`` the first time, ``{"ref": n}`` after that."""
        known = self._numbers.get(id(specs_wire))
        if known is not None and known[0] is specs_wire:
            return {REF: known[1]}
        number = len(self._numbers)
        self._numbers[id(specs_wire)] = (specs_wire, number)
        return {REF: number, SPECS: specs_wire}


class DeclarationBook:
    """On the controller (or a serial run): what each worker numbered, and what each test
    that started declared, until its payload takes it."""

    __slots__ = ("_numbered", "_running")

    def __init__(self) -> None:
        self._numbered: dict[tuple[str | None, int], tuple[SloSpec, ...]] = {}
        self._running: dict[tuple[str, str | None], tuple[SloSpec, ...]] = {}

    def read(
        self, declared: object, nodeid: str, worker: str | None, source: str
    ) -> tuple[SloSpec, ...]:
        """The specs of a setup report's declaration (WireError when it is damaged or names
        a number its worker never sent)."""
        if isinstance(declared, tuple) and all(isinstance(s, SloSpec) for s in declared):
            specs: tuple[SloSpec, ...] = declared  # this process's own, as they are
        elif isinstance(declared, dict) and REF in declared:
            specs = self._numbered_specs(declared, worker, source)
        else:  # a list of specs, or a damaged declaration
            specs = decode_specs(declared, source)
        self._running[(nodeid, worker)] = specs
        return specs

    def _numbered_specs(
        self, declared: dict[str, Any], worker: str | None, source: str
    ) -> tuple[SloSpec, ...]:
        number = declared[REF]
        if isinstance(number, bool) or not isinstance(number, int):
            raise WireError(
                f"qametrics SLO declaration from {source} is damaged: its number is {number!r}"
            )
        if SPECS in declared:
            specs = decode_specs(declared[SPECS], source)
            self._numbered[(worker, number)] = specs
            return specs
        known = self._numbered.get((worker, number))
        if known is None:
            raise WireError(
                f"qametrics SLO declaration from {source} refers to declaration {number}, "
                f"which never arrived from that worker; install the same pytest-qametrics "
                f"version on every worker"
            )
        return known

    def running(self, nodeid: str, worker: str | None) -> tuple[SloSpec, ...] | None:
        """Take what the test's setup report declared (None if it declared nothing)."""
        return self._running.pop((nodeid, worker), None)
