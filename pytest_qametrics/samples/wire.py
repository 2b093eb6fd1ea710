"""The per-test payload that carries samples and SLO specs from the test to the collector."""

from __future__ import annotations

import functools
import marshal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_qametrics.choices import DEFAULT_EXACT_CAP
from pytest_qametrics.samples.columns import ColumnEntry, ColumnSeries
from pytest_qametrics.samples.itemstore import (
    ItemStore,
    LatencySeries,
    SeriesKey,
    entry_to_wire,
    float_bytes,
)
from pytest_qametrics.samples.text import safe_text
from pytest_qametrics.slo.spec import SloSpec

if TYPE_CHECKING:  # numpy is imported when a payload with samples is decoded
    import numpy as np
    import numpy.typing as npt

    from pytest_qametrics.stats.digest import LatencyDigest

__all__ = [
    "WIRE_VERSION",
    "ItemRecord",
    "Outcome",
    "SeriesEntry",
    "WireError",
    "damaged_payload",
    "decode_item",
    "decode_specs",
    "encode_item",
    "local_record",
    "pack_payload",
    "travel_problem",
]

WIRE_VERSION = 1
Outcome = Literal["passed", "failed", "skipped"]


class WireError(ValueError):
    """A payload that cannot be decoded; the message names where it came from."""


@dataclass(frozen=True, slots=True)
class SeriesEntry:
    """One decoded series of one test: samples as read-only float64 arrays."""

    key: SeriesKey
    ok: npt.NDArray[np.float64]
    fail: npt.NDArray[np.float64]
    errors: dict[str, int]
    digest: LatencyDigest | None = None

    @property
    def count(self) -> int:
        """How many samples the entry carries, exact or folded."""
        folded = self.digest.count if self.digest is not None else 0
        return int(self.ok.size + self.fail.size) + folded


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """Everything the collector needs to know about one finished test."""

    nodeid: str
    groups: tuple[str, ...]
    specs: tuple[SloSpec, ...]
    outcome: Outcome
    call_duration: float | None
    series: tuple[SeriesEntry | ColumnEntry, ...]

    @property
    def sample_count(self) -> int:
        """How many samples the test recorded, over every series."""
        return sum(s.count for s in self.series)


def encode_item(
    nodeid: str,
    groups: tuple[str, ...],
    specs: tuple[SloSpec, ...],
    outcome: Outcome,
    call_duration: float | None,
    store: ItemStore,
    cap: int = DEFAULT_EXACT_CAP,
    specs_wire: list[dict[str, Any]] | None = None,
    declared: bool = False,
) -> dict[str, Any]:
    """Build the payload of one test from exact builtins only (execnet rejects anything else).

    ``specs_wire``, when given, is ``[spec.to_wire() for spec in specs]`` made earlier (the
    cases of one function share it). With ``declared`` the specs are left out (``None``):
    they are those the test's setup report declared, which the reader passes to
    :func:`decode_item`.
    """
    if declared:
        wire_specs: list[dict[str, Any]] | None = None
    else:
        wire_specs = [spec.to_wire() for spec in specs] if specs_wire is None else specs_wire
    return {
        "v": WIRE_VERSION,
        "nodeid": nodeid,
        "groups": list(groups),
        "specs": wire_specs,
        "outcome": outcome,
        "call_duration": None if call_duration is None else float(call_duration),
        "series": store.to_wire(cap),
    }


def local_record(
    nodeid: str,
    groups: tuple[str, ...],
    specs: tuple[SloSpec, ...],
    outcome: Outcome,
    call_duration: float | None,
    store: ItemStore,
    cap: int = DEFAULT_EXACT_CAP,
) -> ItemRecord:
    """The record :func:`decode_item` makes of :func:`encode_item`'s payload, without the trip.

    For a serial run, where the payload never leaves the process: the series go through the
    same wire form (so a long series is folded into a digest alike, and later samples in the
    store do not change the record), while the specs, the node id and the outcome, which only
    a payload from another process needs checked, are taken as they are.
    """
    duration = None if call_duration is None else float(call_duration)
    series = tuple(_local_series(key, s, cap) for key, s in store.series.items() if len(s))
    return ItemRecord(nodeid, groups, specs, outcome, duration, series)


def _local_series(
    key: SeriesKey, series: LatencySeries | ColumnSeries, cap: int
) -> SeriesEntry | ColumnEntry:
    """:func:`_series` of the series' wire entry; a latency series within the cap (the common
    case) is read straight from its arrays, with the same copies and conversions."""
    if not isinstance(series, LatencySeries) or len(series) > cap:
        return _series(entry_to_wire(key, series, cap))
    tracker, name, tags = key
    samples, _ = _decoders()
    errors = series.errors
    return SeriesEntry(
        key=(str(tracker), str(name), tags),
        ok=samples(float_bytes(series.ok)),
        fail=samples(float_bytes(series.fail)),
        errors={str(k): int(v) for k, v in errors.items()} if errors else {},
    )


#: marshal's format 4, which every Python 3 since 3.4 reads (a worker may run another Python).
_PACK_FORMAT = 4


def pack_payload(payload: dict[str, Any]) -> bytes:
    """``payload`` (which :func:`travel_problem` passed) as one bytes object for the trip.

    execnet sends bytes in one piece, where it would walk, tag and rebuild every key and value
    of the dict in pure Python: for a one-sample test 17-22 us to send and 19-27 us to receive,
    against about 1 and 2 us this way (``benchmarks/bench_per_test.py``). :func:`decode_item`
    unpacks it.
    """
    return marshal.dumps(payload, _PACK_FORMAT)


def _unpacked(data: bytes, source: str) -> object:
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError) as err:
        raise WireError(
            f"qametrics payload from {source} is damaged: its {len(data)} bytes do not unpack "
            f"({err})"
        ) from err


#: The types execnet sends; it dispatches on the exact type, so subclasses are refused.
_SCALARS = frozenset({type(None), bool, int, float, bytes})
_CONTAINERS = frozenset({list, tuple})
#: The key of a payload that replaced one that could not travel (its text says why).
DAMAGED = "damaged"


def travel_problem(data: object, where: str = "payload") -> str | None:
    """Why ``data`` cannot travel to the xdist controller (None when it can).

    execnet accepts only exact builtins and UTF-8 encodable strings; a payload it refuses
    would take the worker down with an internal error and its samples with it, so the
    recorder checks first and sends a loud replacement instead.
    """
    if _travels(data):  # the common case, without building a path for every value
        return None
    kind = data.__class__
    if kind in _SCALARS:
        return None
    if kind is str:
        try:
            data.encode("utf-8")  # type: ignore[attr-defined]
        except UnicodeEncodeError:
            return f"{where} is a string that is not UTF-8 encodable: {data!r}"
        return None
    if kind is dict:
        for key, value in data.items():  # type: ignore[attr-defined]
            problem = travel_problem(key, f"{where} key") or travel_problem(
                value, f"{where}[{key!r}]"
            )
            if problem:
                return problem
        return None
    if kind in _CONTAINERS:
        for index, value in enumerate(data):  # type: ignore[arg-type]
            problem = travel_problem(value, f"{where}[{index}]")
            if problem:
                return problem
        return None
    return f"{where} is a {kind.__name__}, which cannot travel to the xdist controller"


def _travels(data: object) -> bool:
    """Whether execnet can send ``data``: :func:`travel_problem`'s walk without messages."""
    kind = data.__class__
    if kind is str:
        if data.isascii():  # type: ignore[attr-defined]
            return True
        try:
            data.encode("utf-8")  # type: ignore[attr-defined]
        except UnicodeEncodeError:
            return False
        return True
    if kind in _SCALARS:
        return True
    # loops, not all(): a generator per container costs more than the walk itself
    if kind is dict:
        for key, value in data.items():  # type: ignore[attr-defined]  # noqa: SIM110
            if not (_travels(key) and _travels(value)):
                return False
        return True
    if kind in _CONTAINERS:
        for value in data:  # type: ignore[attr-defined]  # noqa: SIM110
            if not _travels(value):
                return False
        return True
    return False


def damaged_payload(nodeid: str, problem: str) -> dict[str, Any]:
    """The payload sent in place of one that cannot travel: it fails the run, loudly."""
    return {"v": WIRE_VERSION, "nodeid": safe_text(nodeid), DAMAGED: safe_text(problem)}


def decode_item(
    data: object, source: str, declared: tuple[SloSpec, ...] | None = None
) -> ItemRecord:
    """Decode a payload made by :func:`encode_item` (as it is, or packed by
    :func:`pack_payload`); ``source`` names its sender in errors.

    ``declared`` holds the specs the test's setup report declared: a payload without specs
    of its own has those.
    """
    if data.__class__ is bytes:
        data = _unpacked(data, source)
    if not isinstance(data, Mapping) or data.get("v") != WIRE_VERSION:
        version = data.get("v") if isinstance(data, Mapping) else type(data).__name__
        raise WireError(
            f"qametrics payload from {source} has format {version!r}, this plugin reads "
            f"{WIRE_VERSION}: install the same pytest-qametrics version on every worker"
        )
    if DAMAGED in data:
        raise WireError(
            f"qametrics payload from {source} could not be sent ({data[DAMAGED]}); the samples "
            f"of this test are lost"
        )
    try:
        return ItemRecord(
            nodeid=str(data["nodeid"]),
            groups=tuple(map(str, data["groups"])),
            specs=_item_specs(data["specs"], declared, source),
            outcome=_outcome(data["outcome"]),
            call_duration=_call_duration(data["call_duration"]),
            series=tuple(_series(entry) for entry in data["series"]),
        )
    except WireError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise WireError(f"qametrics payload from {source} is damaged: {err!r}") from err


def _item_specs(
    data: Any, declared: tuple[SloSpec, ...] | None, source: str
) -> tuple[SloSpec, ...]:
    if data is not None:
        return tuple(_spec(s) for s in data)
    if declared is None:
        raise WireError(
            f"qametrics payload from {source} has the SLOs its setup report declared, but "
            f"no declaration arrived for it; its samples are lost"
        )
    return declared


def decode_specs(data: object, source: str) -> tuple[SloSpec, ...]:
    """Decode the SLO specs a test declares on its setup report (``[spec.to_wire(), ...]``)."""
    if isinstance(data, Mapping) and DAMAGED in data:
        raise WireError(
            f"qametrics SLO declaration from {source} could not be sent ({data[DAMAGED]})"
        )
    try:
        if not isinstance(data, list):
            raise TypeError(f"expected a list of SLO specs, got {type(data).__name__}")
        return tuple(_spec(spec) for spec in data)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise WireError(f"qametrics SLO declaration from {source} is damaged: {err!r}") from err


def _spec(data: Mapping[str, Any]) -> SloSpec:
    """Decode one spec; the same few specs arrive with every test, so they are cached."""
    return _cached_spec(tuple(data.items()))


@functools.lru_cache(maxsize=4096)
def _cached_spec(items: tuple[tuple[str, Any], ...]) -> SloSpec:
    return SloSpec.from_wire(dict(items))


def _outcome(value: object) -> Outcome:
    if value not in ("passed", "failed", "skipped"):
        raise ValueError(f"outcome {value!r} is not 'passed', 'failed' or 'skipped'")
    return value


def _call_duration(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"call_duration {value!r} is not a number of seconds")
    return float(value)


def _series(entry: Mapping[str, Any]) -> SeriesEntry | ColumnEntry:
    wire_tags = entry["tags"]
    tags = tuple([(str(k), str(v)) for k, v in wire_tags]) if wire_tags else ()
    key = (str(entry["tracker"]), str(entry["name"]), tags)
    if key[0] != "latency":
        return ColumnEntry.from_wire(key, entry)
    samples, digest_from_wire = _decoders()
    errors = entry["errors"]
    return SeriesEntry(
        key=key,
        ok=samples(entry["ok"]),
        fail=samples(entry["fail"]),
        errors={str(k): int(v) for k, v in errors.items()} if errors else {},
        digest=digest_from_wire(entry["digest"]) if "digest" in entry else None,
    )


@functools.cache
def _decoders() -> tuple[
    Callable[[bytes], npt.NDArray[np.float64]], Callable[[Any], LatencyDigest]
]:
    """numpy's decoders, imported once, on the first payload that carries samples."""
    import sys

    import numpy as np

    from pytest_qametrics.stats.digest import LatencyDigest

    none = np.frombuffer(b"", dtype=np.float64)  # read-only, as every decoded array

    if sys.byteorder == "little":  # the wire's order: the bytes are the array

        def samples(data: bytes) -> npt.NDArray[np.float64]:
            return none if data == b"" else np.frombuffer(data, dtype=np.float64)

    else:

        def samples(data: bytes) -> npt.NDArray[np.float64]:
            return none if data == b"" else np.frombuffer(data, dtype="<f8").astype(np.float64)

    return samples, LatencyDigest.from_wire
