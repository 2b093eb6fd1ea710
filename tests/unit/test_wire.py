"""The per-test wire payload: exact round trip, builtins only, damage reported with its source."""

from __future__ import annotations

import copy
from array import array
from collections.abc import Callable
from typing import Any

import execnet.gateway_base as gateway_base
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_qametrics.samples.itemstore import ItemStore, normalize_tags
from pytest_qametrics.samples.wire import (
    WIRE_VERSION,
    ItemRecord,
    SeriesEntry,
    WireError,
    decode_item,
    encode_item,
    local_record,
    pack_payload,
)
from pytest_qametrics.slo.spec import SESSION, SloSpec
from pytest_qametrics.trackers.accuracy import ACCURACY_COLUMNS, AccuracyTracker
from pytest_qametrics.trackers.custom_metrics import MetricsRecorder

deterministic = settings(derandomize=True, max_examples=60, deadline=None, database=None)

# When a property fails, hypothesis imports libcst to suggest an @example patch, and libcst
# imports a deprecated mypy_extensions name; under filterwarnings=error that would turn the
# real failure into an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
)

EXACT_BUILTINS = {dict, list, str, int, float, bool, bytes, type(None)}
SPECS = (
    SloSpec("tests/t.py::test_pay", "latency", "p95", "<=", 0.5, declared_at="mark on test_pay"),
    SloSpec(
        "tests/t.py::test_pay",
        "latency",
        "error_rate",
        "<",
        0.01,
        operation="pay",
        min_samples=20,
        severity="warn",
        declared_at="mark on test_pay",
    ),
    SloSpec(SESSION, "latency", "p99", "<=", 1.0, declared_at="qametrics_slo line 1"),
)


def filled_store() -> ItemStore:
    store = ItemStore()
    pay = store.latency("pay")
    pay.ok.extend([0.125, 0.0, 1e-9, 3.5, 86400.0, 5e-324])
    pay.add_failure(2.25, "TimeoutError: read timed out")
    pay.add_failure(2.5, "TimeoutError: read timed out")
    pay.add_failure(0.75, "ValueError: bad card")
    store.latency("search", (("region", "eu"), ("retry", "1"))).ok.append(0.0625)
    return store


def payload() -> dict[str, Any]:
    return encode_item(
        "tests/t.py::test_pay[1]", ("tests/t.py::test_pay",), SPECS, "failed", 0.75, filled_store()
    )


def exact_builtin_types(value: object) -> set[type]:
    """Every type found walking a payload, containers and leaves alike."""
    found = {type(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= exact_builtin_types(key) | exact_builtin_types(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= exact_builtin_types(item)
    return found


def test_a_payload_round_trips_every_field_exactly() -> None:
    record = decode_item(payload(), "worker gw0")
    assert record.nodeid == "tests/t.py::test_pay[1]"
    assert record.groups == ("tests/t.py::test_pay",)
    assert record.specs == SPECS
    assert [s.declared_at for s in record.specs] == [s.declared_at for s in SPECS]
    assert record.outcome == "failed"
    assert record.call_duration == 0.75
    pay, search = record.series
    assert isinstance(pay, SeriesEntry)
    assert isinstance(search, SeriesEntry)
    assert pay.key == ("latency", "pay", ())
    assert pay.ok.tobytes() == array("d", [0.125, 0.0, 1e-9, 3.5, 86400.0, 5e-324]).tobytes()
    assert pay.fail.tolist() == [2.25, 2.5, 0.75]
    assert pay.errors == {"TimeoutError: read timed out": 2, "ValueError: bad card": 1}
    assert search.key == ("latency", "search", (("region", "eu"), ("retry", "1")))
    assert search.ok.tolist() == [0.0625]
    assert search.fail.size == 0
    assert record.sample_count == 10


def test_a_call_duration_of_none_and_no_series_round_trip() -> None:
    data = encode_item("t.py::test_x", (), (), "skipped", None, ItemStore())
    record = decode_item(data, "this process")
    assert record == ItemRecord("t.py::test_x", (), (), "skipped", None, ())


def test_empty_series_are_left_out_of_the_payload() -> None:
    store = ItemStore()
    store.latency("never-used")
    assert encode_item("t.py::test_x", (), (), "passed", 0.1, store)["series"] == []


@deterministic
@given(
    ok=st.lists(st.floats(min_value=0.0, allow_infinity=False), max_size=50),
    fail=st.lists(st.floats(min_value=0.0, allow_infinity=False), max_size=20),
    tags=st.dictionaries(
        st.text(min_size=1, max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3
    ),
    errors=st.lists(st.text(max_size=30), max_size=20),
    call_duration=st.one_of(st.none(), st.floats(min_value=0.0, allow_infinity=False)),
)
def test_any_samples_and_tags_round_trip_bit_for_bit(
    ok: list[float],
    fail: list[float],
    tags: dict[str, str | int],
    errors: list[str],
    call_duration: float | None,
) -> None:
    store = ItemStore()
    series = store.latency("op", normalize_tags(tags))
    series.ok.extend(ok)
    for i, seconds in enumerate(fail):
        series.add_failure(seconds, errors[i % len(errors)] if errors else "failed")
    data = encode_item("t.py::test_x", ("g",), SPECS, "passed", call_duration, store)
    assert exact_builtin_types(data) <= EXACT_BUILTINS
    record = decode_item(copy.deepcopy(data), "worker gw1")
    assert record.call_duration == call_duration
    if not ok and not fail:
        assert record.series == ()
        return
    (entry,) = record.series
    assert isinstance(entry, SeriesEntry)
    assert entry.key == ("latency", "op", normalize_tags(tags))
    assert entry.ok.tobytes() == array("d", ok).tobytes()
    assert entry.fail.tobytes() == array("d", fail).tobytes()
    assert entry.errors == series.errors
    assert sum(entry.errors.values()) == len(fail)


def test_a_payload_holds_only_exact_builtin_types() -> None:
    assert exact_builtin_types(payload()) <= EXACT_BUILTINS


def test_a_payload_past_the_exact_cap_still_holds_only_exact_builtin_types() -> None:
    data = encode_item("t.py::test_x", ("g",), SPECS, "passed", 0.5, filled_store(), cap=2)
    assert exact_builtin_types(data) <= EXACT_BUILTINS
    gateway_base.dumps(data)
    record = decode_item(data, "worker gw0")
    assert record.sample_count == 10


def test_execnet_can_serialize_a_payload() -> None:
    data = payload()
    dumped = gateway_base.dumps(data)
    assert isinstance(dumped, bytes)
    assert decode_item(gateway_base.loads(dumped), "worker gw0").sample_count == 10


def test_a_numpy_call_duration_is_sent_as_a_plain_float() -> None:
    data = encode_item("t.py::test_x", (), (), "passed", np.float64(0.25), ItemStore())
    assert type(data["call_duration"]) is float
    gateway_base.dumps(data)


@pytest.mark.parametrize("version", [WIRE_VERSION + 1, 0, "1", None])
def test_a_payload_of_another_version_names_its_source_and_the_fix(version: object) -> None:
    data = payload()
    data["v"] = version
    with pytest.raises(WireError, match="from worker gw3 has format") as caught:
        decode_item(data, "worker gw3")
    assert "install the same pytest-qametrics version" in str(caught.value)


def test_a_payload_without_a_version_is_rejected() -> None:
    data = payload()
    del data["v"]
    with pytest.raises(WireError, match="worker gw3"):
        decode_item(data, "worker gw3")


@pytest.mark.parametrize("data", [None, [], "payload", b"payload", 42])
def test_a_payload_that_is_not_a_mapping_is_rejected(data: object) -> None:
    with pytest.raises(WireError, match="from worker gw3"):
        decode_item(data, "worker gw3")


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def damage(data: dict[str, Any]) -> None:
        del data[key]

    return damage


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def damage(data: dict[str, Any]) -> None:
        data[key] = value

    return damage


def _set_series(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def damage(data: dict[str, Any]) -> None:
        data["series"][0][key] = value

    return damage


def _drop_series(key: str) -> Callable[[dict[str, Any]], None]:
    def damage(data: dict[str, Any]) -> None:
        del data["series"][0][key]

    return damage


def _set_spec(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def damage(data: dict[str, Any]) -> None:
        data["specs"][0][key] = value

    return damage


def _drop_spec_field(data: dict[str, Any]) -> None:
    del data["specs"][0]["statistic"]


@pytest.mark.parametrize(
    "damage",
    [
        _drop("nodeid"),
        _drop("groups"),
        _drop("specs"),
        _drop("outcome"),
        _drop("call_duration"),
        _drop("series"),
        _set("groups", None),
        _set("specs", 3),
        _set("series", None),
        _set("series", ["not an entry"]),
        _set("outcome", "exploded"),
        _set("call_duration", "0.5"),
        _set("call_duration", [0.5]),
        _set_series("ok", b"\x00" * 7),
        _set_series("fail", "not bytes"),
        _set_series("ok", None),
        _set_series("errors", ["TimeoutError"]),
        _set_series("errors", {"TimeoutError": "many"}),
        _set_series("tags", [["region"]]),
        _set_series("tags", 5),
        _drop_series("tracker"),
        _set_spec("bogus", 1),
        _drop_spec_field,
    ],
)
def test_a_damaged_payload_raises_wire_error_naming_its_source(
    damage: Callable[[dict[str, Any]], None],
) -> None:
    data = payload()
    damage(data)
    with pytest.raises(WireError, match="qametrics payload from worker gw2 is damaged"):
        decode_item(data, "worker gw2")


def comparable(record: ItemRecord) -> tuple[object, ...]:
    """A record as builtins, so that two records compare field by field, samples included."""
    series: list[object] = []
    for entry in record.series:
        if isinstance(entry, SeriesEntry):
            digest = entry.digest.to_wire() if entry.digest is not None else None
            series.append((entry.key, entry.ok.tolist(), entry.fail.tolist(), entry.errors, digest))
        else:
            columns = {name: column.tolist() for name, column in entry.columns.items()}
            series.append((entry.key, columns, entry.labels, entry.examples))
    fields = (record.nodeid, record.groups, record.specs, record.outcome, record.call_duration)
    return (*fields, series)


def mixed_store() -> ItemStore:
    """Latency series, a folded one past a cap of 2, labels and custom metrics."""
    store = filled_store()
    accuracy = AccuracyTracker(store.columns("accuracy", "default", ACCURACY_COLUMNS))
    accuracy.record(predicted="refund", actual="refund", confidence=0.9)
    accuracy.record(predicted="cancel", actual="refund", confidence=0.4)
    MetricsRecorder(store).record("tokens", 412, model="small")
    return store


@pytest.mark.parametrize("cap", [2, 1_000])
def test_a_serial_run_s_record_is_the_one_the_round_trip_would_give(cap: int) -> None:
    nodeid, groups = "tests/t.py::test_pay[1]", ("tests/t.py::test_pay",)

    local = local_record(nodeid, groups, SPECS, "failed", 0.75, mixed_store(), cap)
    payload = encode_item(nodeid, groups, SPECS, "failed", 0.75, mixed_store(), cap)
    travelled = decode_item(payload, "worker gw0")

    assert comparable(local) == comparable(travelled)
    assert local.sample_count == travelled.sample_count == 13
    assert any(isinstance(e, SeriesEntry) and e.digest for e in local.series) == (cap == 2)


def test_a_serial_run_s_record_keeps_nothing_of_the_store_it_was_made_from() -> None:
    store = filled_store()
    record = local_record("t.py::test_x", (), (), "passed", None, store)

    store.latency("pay").ok.append(9.0)  # a late sample, e.g. from a thread

    assert record.sample_count == 10
    pay = record.series[0]
    assert isinstance(pay, SeriesEntry)
    assert 9.0 not in pay.ok.tolist()


@pytest.mark.parametrize("cap", [2, 1_000])
def test_a_packed_payload_decodes_to_the_record_its_dict_gives(cap: int) -> None:
    payload = encode_item("tests/t.py::test_pay[1]", (), SPECS, "failed", 0.75, mixed_store(), cap)

    packed = gateway_base.loads_internal(gateway_base.dumps_internal(pack_payload(payload)))

    assert type(packed) is bytes
    travelled = decode_item(packed, "worker gw0")
    assert comparable(travelled) == comparable(decode_item(payload, "worker gw0"))
    assert travelled.sample_count == 13


def test_a_packed_payload_without_specs_takes_those_its_setup_report_declared() -> None:
    packed = pack_payload(
        encode_item("t.py::test_x", (), SPECS, "passed", 0.5, filled_store(), declared=True)
    )

    assert decode_item(packed, "worker gw0", declared=SPECS).specs == SPECS
    with pytest.raises(WireError, match="no declaration arrived"):
        decode_item(packed, "worker gw0")


@pytest.mark.parametrize(
    "damage",
    [lambda b: b[: len(b) // 2], lambda b: b"\xff" + b[1:], lambda b: b""],
    ids=["truncated", "bad type code", "empty"],
)
def test_packed_bytes_that_do_not_unpack_are_a_damaged_payload_naming_its_source(
    damage: Callable[[bytes], bytes],
) -> None:
    packed = damage(pack_payload(payload()))

    with pytest.raises(WireError, match=r"from worker gw2 is damaged: its \d+ bytes do not unpack"):
        decode_item(packed, "worker gw2")


def test_packed_bytes_of_something_else_than_a_payload_are_rejected() -> None:
    with pytest.raises(WireError, match="has format 'list', this plugin reads 1"):
        decode_item(pack_payload([1, 2]), "worker gw2")  # type: ignore[arg-type]
