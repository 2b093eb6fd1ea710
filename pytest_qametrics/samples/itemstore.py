"""Per-test sample storage: one typed array per series, keyed by tracker, name and tags."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_qametrics.choices import DEFAULT_EXACT_CAP
from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.samples.text import safe_text

if TYPE_CHECKING:  # numpy is imported on first use: a test that records nothing never needs it
    import numpy as np

__all__ = [
    "ERROR_KINDS_KEPT",
    "ItemStore",
    "LatencySeries",
    "SeriesKey",
    "Tags",
    "as_float_array",
    "describe_error",
    "normalize_tags",
    "records_exception",
]

Tags = tuple[tuple[str, str], ...]
#: (tracker, name, tags): the identity of one series inside a test.
SeriesKey = tuple[str, str, Tags]

#: Distinct error messages kept per series; further kinds are counted under one "other" entry.
ERROR_KINDS_KEPT = 50
_OTHER_ERRORS = "(other errors)"
_MESSAGE_LIMIT = 200


def normalize_tags(tags: Mapping[str, object]) -> Tags:
    """Return ``tags`` as a sorted tuple of string pairs, rejecting values that are not scalars."""
    pairs = []
    for name, value in tags.items():
        if isinstance(value, float) or not isinstance(value, (str, int)):
            raise ValueError(
                f"tag {name}={value!r} must be a str, int or bool so samples group reliably, "
                f"not {type(value).__name__}"
            )
        pairs.append((safe_text(name), safe_text(str(value))))
    return tuple(sorted(pairs))


def describe_error(exc: BaseException) -> str:
    """Return the message kept for a failed call: the exception type and its text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def records_exception(exc: BaseException) -> bool:
    """Whether a timed block left by ``exc`` is recorded (as a failed sample).

    Every exception is, except two that end the test rather than the operation: Ctrl-C
    (``KeyboardInterrupt``: the run stops, and the time measured is the user's patience) and
    ``pytest.skip()`` (the test declares itself not applicable, so its samples are not judged
    either). pytest's ``Skipped`` is recognised by its name and its base, ``_pytest.outcomes.
    OutcomeException``, since this stage never imports pytest (``Skipped`` itself claims to live
    in ``builtins``).
    """
    if isinstance(exc, Exception):
        return True
    if isinstance(exc, KeyboardInterrupt):
        return False
    names = {(cls.__module__, cls.__name__) for cls in type(exc).__mro__}
    skipped = any(name == "Skipped" for _, name in names)
    return not (skipped and ("_pytest.outcomes", "OutcomeException") in names)


def float_bytes(values: array[float]) -> bytes:
    """Return the samples as little-endian float64 bytes, the wire and file order."""
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array("d", values)
    swapped.byteswap()
    return swapped.tobytes()


class LatencySeries:
    """Durations in seconds of one operation: successes and failures apart, plus error counts."""

    __slots__ = ("errors", "fail", "ok")

    def __init__(self) -> None:
        self.ok: array[float] = array("d")
        self.fail: array[float] = array("d")
        self.errors: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ok) + len(self.fail)

    def add_exception(self, seconds: float, exc: BaseException | None) -> None:
        """Record a block left by ``exc`` as a failed call of ``seconds`` with its message.

        That includes a block abandoned by a ``BaseException``: pytest-timeout's ``pytest.fail``,
        an asyncio cancellation, ``SystemExit``. Only Ctrl-C and ``pytest.skip`` record nothing
        (see :func:`records_exception`).
        """
        if exc is not None and records_exception(exc):
            self.add_failure(seconds, describe_error(exc))

    def add_failure(self, seconds: float, message: str) -> None:
        """Record a failed call of ``seconds`` and count its error message."""
        self.fail.append(seconds)
        add_error(self.errors, message)

    def to_wire(self, cap: int = DEFAULT_EXACT_CAP) -> dict[str, Any]:
        """Return the series as exact builtins (bytes for the samples) for the wire.

        A series longer than ``cap`` travels as a histogram digest instead of its samples.
        """
        errors = dict(self.errors)
        if len(self) <= cap:
            return {"ok": float_bytes(self.ok), "fail": float_bytes(self.fail), "errors": errors}
        import numpy as np

        from pytest_qametrics.stats.digest import LatencyDigest

        digest = LatencyDigest()
        digest.add(
            np.frombuffer(self.ok, dtype=np.float64), np.frombuffer(self.fail, dtype=np.float64)
        )
        return {"ok": b"", "fail": b"", "errors": errors, "digest": digest.to_wire()}


def add_error(errors: dict[str, int], message: str, count: int = 1) -> None:
    """Count ``message`` in ``errors``, folding rare kinds into one entry past the limit."""
    message = safe_text(message[:_MESSAGE_LIMIT])
    if message not in errors and len(errors) >= ERROR_KINDS_KEPT:
        message = _OTHER_ERRORS
    errors[message] = errors.get(message, 0) + count


def as_float_array(parts: list[array[float]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Join typed arrays into one float64 numpy array (a copy, safe to reorder)."""
    import numpy as np

    arrays = [np.frombuffer(p, dtype=np.float64) for p in parts if len(p)]
    if not arrays:
        return np.empty(0, dtype=np.float64)
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0].copy()


class ItemStore:
    """Every series one test recorded during setup, call and teardown."""

    __slots__ = ("series",)

    def __init__(self) -> None:
        self.series: dict[SeriesKey, LatencySeries | ColumnSeries] = {}

    def __bool__(self) -> bool:
        return any(len(s) for s in self.series.values())

    def latency(self, operation: str, tags: Tags = ()) -> LatencySeries:
        """Return the latency series of ``operation`` with ``tags``, creating it on first use."""
        key = ("latency", operation, tags)
        try:
            series = self.series.get(key)
        except TypeError:  # an unhashable operation such as a list: explained below
            series = None
        if series is None:
            if not isinstance(operation, str) or not operation:
                raise ValueError(
                    f"operation must be a non-empty str such as 'checkout', "
                    f"not {type(operation).__name__} {operation!r}"
                )
            key = ("latency", safe_text(operation), tags)
            series = self.series.get(key)
            if series is None:
                series = self.series[key] = LatencySeries()
        if not isinstance(series, LatencySeries):  # pragma: no cover - keys are per tracker
            raise TypeError(f"series {key} is not a latency series")
        return series

    def columns(
        self, tracker: str, name: str, layout: dict[str, str], tags: Tags = ()
    ) -> ColumnSeries:
        """Return the column series ``tracker``/``name``/``tags``, creating it on first use."""
        key = (tracker, name, tags)
        series = self.series.get(key)
        if series is None:
            key = (tracker, safe_text(name), tags)
            series = self.series.get(key)
        if series is None:
            series = self.series[key] = ColumnSeries(layout)
        if not isinstance(series, ColumnSeries):  # pragma: no cover - keys are per tracker
            raise TypeError(f"series {key} is not a column series")
        return series

    def to_wire(self, cap: int = DEFAULT_EXACT_CAP) -> list[dict[str, Any]]:
        """Return every non-empty series as a wire entry."""
        return [entry_to_wire(key, s, cap) for key, s in self.series.items() if len(s)]


def entry_to_wire(
    key: SeriesKey, series: LatencySeries | ColumnSeries, cap: int = DEFAULT_EXACT_CAP
) -> dict[str, Any]:
    """The wire entry of one series of a store."""
    tracker, name, tags = key
    wire_tags = [list(t) for t in tags]
    return {"tracker": tracker, "name": name, "tags": wire_tags, **series.to_wire(cap)}
