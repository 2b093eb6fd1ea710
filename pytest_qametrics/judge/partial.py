"""Partial runs: SLOs whose tests were deselected or never started are skipped, and said so."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from pytest_qametrics.judge.verdicts import Verdict
from pytest_qametrics.samples.plan import RunPlan
from pytest_qametrics.slo.spec import SESSION, SloSpec

__all__ = ["not_run_specs", "partial_note", "skip_unrun"]

_DESELECTED = "its tests were not selected (-k, -m, --deselect, --lf, --sw or node ids)"
_STOPPED = "the run stopped before its tests"


def _unrun(plan: RunPlan, ran: Collection[str]) -> dict[str, str]:
    """Why each declaring test that did not run did not run, by node id."""
    return {
        nodeid: _STOPPED if chosen else _DESELECTED
        for nodeid, chosen, _ in plan.declared
        if nodeid not in ran
    }


def not_run_specs(plan: RunPlan, ran: Collection[str]) -> list[SloSpec]:
    """SLOs declared by tests that did not run (they would otherwise vanish from the list)."""
    unrun = _unrun(plan, ran)
    return [spec for nodeid, _, specs in plan.declared if nodeid in unrun for spec in specs]


def skip_unrun(verdicts: list[Verdict], plan: RunPlan, ran: Collection[str]) -> list[Verdict]:
    """Turn ``no_data`` into ``skipped`` where the data is missing because tests did not run.

    A group's SLO is skipped when one of the group's declaring tests did not run; a session
    SLO when any test did not run (or node ids were named). An SLO with data is judged on the
    tests that ran, and ``no_data`` of a complete group stays ``no_data``.
    """
    unrun = _unrun(plan, ran)
    stopped = plan.selected > len(ran)
    by_scope: dict[str, str] = {}
    for nodeid, _, specs in plan.declared:
        if nodeid in unrun:
            for spec in specs:
                by_scope.setdefault(spec.scope, unrun[nodeid])
    if plan.deselected or stopped or plan.named:
        by_scope.setdefault(SESSION, _session_reason(plan, len(ran)))
    return [
        replace(v, status="skipped", reason=f"not judged: {by_scope[v.spec.scope]}")
        if v.status == "no_data" and v.spec.scope in by_scope
        else v
        for v in verdicts
    ]


def _session_reason(plan: RunPlan, ran: int) -> str:
    if plan.named:
        return (
            f"no data from the {_tests(ran)} that ran (node ids, --lf or a subdirectory chose them)"
        )
    return f"no data from the {ran} of {plan.collected} tests that ran"


def partial_note(plan: RunPlan, ran: int) -> str:
    """``judged on 1 of 31 tests (selection)``, or "" for a complete run."""
    why = []
    if plan.deselected:
        why.append("selection")
    if plan.selected > ran:
        why.append(f"the run stopped after {ran} of {plan.selected} selected tests")
    if plan.named and not why:
        return f"qametrics: judged on {_tests(ran)} (selection: node ids, --lf or a subdirectory)"
    if not why:
        return ""
    return f"qametrics: judged on {ran} of {plan.collected} tests ({'; '.join(why)})"


def _tests(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"
