"""The collector keeps each SLO once, named after its first declaring test in node id order,
however often and in whatever order the same or equal instances arrive."""

from __future__ import annotations

from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.slo.spec import SloSpec


def spec(declared_at: str) -> SloSpec:
    return SloSpec("t.py::test_op", "latency", "p95", "<=", 1.0, declared_at=declared_at)


def test_an_instance_seen_again_and_again_is_kept_once() -> None:
    collector = Collector([])
    shared = spec("mark on t.py::test_op[2]")

    for case in range(5):
        collector.declare(f"t.py::test_op[{case}]", (shared,))

    assert collector.specs == [shared]
    assert collector.specs[0] is shared


def test_an_equal_instance_from_an_earlier_test_replaces_the_kept_one_for_good() -> None:
    collector = Collector([])
    later, earlier = spec("mark on t.py::test_op[10]"), spec("mark on t.py::test_op[9]")
    declared_by_later = (later,)

    collector.declare("t.py::test_op[10]", declared_by_later)
    collector.declare("t.py::test_op[9]", (earlier,))
    collector.declare("t.py::test_op[11]", declared_by_later)  # seen before: changes nothing

    assert [s.declared_at for s in collector.specs] == ["mark on t.py::test_op[9]"]
    assert collector.specs[0] is earlier


def test_the_scopes_a_test_declared_are_those_of_its_own_specs() -> None:
    collector = Collector([])
    group = SloSpec("checkout", "latency", "p95", "<=", 1.0, declared_at="mark on t.py::a")
    own = SloSpec("t.py::c", "latency", "max", "<=", 2.0, declared_at="mark on t.py::b")
    shared = (group,)

    collector.declare("t.py::a", shared)
    collector.declare("t.py::b", (group, own))
    collector.declare("t.py::d", shared)

    assert collector.scopes_touched_by("t.py::a") == {"session", "t.py::a", "checkout"}
    assert collector.scopes_touched_by("t.py::b") == {"session", "t.py::b", "checkout", "t.py::c"}
    assert collector.scopes_touched_by("t.py::d") == {"session", "t.py::d", "checkout"}
