"""SLO declarations travel once per function and worker; the payloads and the plan refer to them."""

from __future__ import annotations

import execnet.gateway_base as gateway_base
import pytest

from pytest_qametrics.samples.declarations import DeclarationBook, DeclarationSender
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.samples.plan import RunPlan
from pytest_qametrics.samples.wire import WireError, decode_item, encode_item
from pytest_qametrics.slo.spec import SloSpec

PAY = (
    SloSpec("t.py::test_pay", "latency", "p95", "<=", 0.5, declared_at="mark on test_pay[0]"),
    SloSpec(
        "t.py::test_pay", "latency", "error_rate", "<", 0.01, declared_at="mark on test_pay[0]"
    ),
)
SEARCH = (SloSpec("t.py::test_search", "latency", "p95", "<=", 0.5, declared_at="on test_search"),)


def travelled(data: object) -> object:
    """What the controller receives of ``data``: execnet's own round trip."""
    return gateway_base.loads(gateway_base.dumps(data))


def test_a_function_s_specs_travel_with_its_first_case_only() -> None:
    sender, book = DeclarationSender(), DeclarationBook()
    wire = [spec.to_wire() for spec in PAY]

    first, second = sender.declaration(wire), sender.declaration(wire)

    assert first == {"ref": 0, "specs": wire}
    assert second == {"ref": 0}
    assert len(gateway_base.dumps(second)) * 20 < len(gateway_base.dumps(first))
    assert book.read(travelled(first), "t.py::test_pay[0]", "gw0", "worker gw0") == PAY
    assert book.read(travelled(second), "t.py::test_pay[1]", "gw0", "worker gw0") == PAY


def test_each_function_and_each_worker_numbers_its_own_declarations() -> None:
    book = DeclarationBook()
    gw0, gw1 = DeclarationSender(), DeclarationSender()
    pay, search = [s.to_wire() for s in PAY], [s.to_wire() for s in SEARCH]

    book.read(travelled(gw0.declaration(pay)), "t.py::test_pay[0]", "gw0", "gw0")
    book.read(travelled(gw1.declaration(search)), "t.py::test_search", "gw1", "gw1")
    book.read(travelled(gw0.declaration(search)), "t.py::test_search", "gw0", "gw0")

    assert book.read({"ref": 0}, "t.py::test_pay[1]", "gw0", "gw0") == PAY
    assert book.read({"ref": 0}, "t.py::test_search", "gw1", "gw1") == SEARCH
    assert book.read({"ref": 1}, "t.py::test_search", "gw0", "gw0") == SEARCH


def test_a_number_the_worker_never_sent_is_an_error_naming_the_worker() -> None:
    book = DeclarationBook()

    with pytest.raises(WireError, match=r"from worker gw3 \(test t.py::x\) refers to decl"):
        book.read({"ref": 4}, "t.py::x", "gw3", "worker gw3 (test t.py::x)")


@pytest.mark.parametrize("number", ["0", None, True, 1.0])
def test_a_damaged_number_is_an_error(number: object) -> None:
    with pytest.raises(WireError, match="SLO declaration from gw0 is damaged: its number"):
        DeclarationBook().read({"ref": number}, "t.py::x", "gw0", "gw0")


def test_a_payload_has_the_specs_its_test_s_setup_report_declared() -> None:
    sender, book = DeclarationSender(), DeclarationBook()
    store = ItemStore()
    store.latency("pay").ok.append(0.25)
    wire = [spec.to_wire() for spec in PAY]
    book.read(travelled(sender.declaration(wire)), "t.py::test_pay[0]", "gw0", "gw0")

    payload = encode_item("t.py::test_pay[0]", ("t.py::test_pay",), PAY, "passed", 0.5, store,
                          specs_wire=wire, declared=True)  # fmt: skip
    record = decode_item(travelled(payload), "gw0", book.running("t.py::test_pay[0]", "gw0"))

    assert payload["specs"] is None
    assert record.specs == PAY
    assert record.sample_count == 1
    assert book.running("t.py::test_pay[0]", "gw0") is None  # taken once


def test_a_payload_whose_declaration_never_arrived_is_an_error_not_a_test_without_slos() -> None:
    payload = encode_item("t.py::x", ("t.py::x",), PAY, "passed", 0.5, ItemStore(), declared=True)

    with pytest.raises(WireError, match=r"from worker gw1 .* no declaration arrived for it"):
        decode_item(travelled(payload), "worker gw1")


def test_the_plan_sends_each_function_s_specs_once_and_keeps_where_each_was_declared() -> None:
    twin = (SloSpec("t.py::test_pay", "latency", "p95", "<=", 0.5, declared_at="elsewhere"),)
    declared = [(f"t.py::test_pay[{i}]", True, PAY) for i in range(50)]
    plan = RunPlan(
        52, 3, (*declared, ("t.py::test_search", False, SEARCH), ("t.py::y", True, twin))
    )

    wire = plan.to_wire()
    back = RunPlan.from_wire(travelled(wire), "worker gw0")

    assert len(wire["spec_lists"]) == 3
    assert back == plan
    assert back.declared[-1][2][0].declared_at == "elsewhere"


@pytest.mark.parametrize("number", [7, -1, "0"])
def test_a_plan_naming_a_list_it_does_not_hold_is_damaged(number: object) -> None:
    wire = RunPlan(1, 0, (("t.py::x", True, PAY),)).to_wire()
    wire["declared"][0][2] = number

    with pytest.raises(WireError, match="test plan from worker gw0 is damaged"):
        RunPlan.from_wire(wire, "worker gw0")
