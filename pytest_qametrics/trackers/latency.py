"""The latency tracker: time operations with ``measure()``, or record durations timed elsewhere."""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable
from time import perf_counter
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pytest_qametrics.choices import PercentileMethod
from pytest_qametrics.samples.itemstore import (
    ItemStore,
    LatencySeries,
    add_error,
    as_float_array,
    describe_error,
    normalize_tags,
)
from pytest_qametrics.trackers.instrument import (
    FailureStatus,
    Instrumentation,
    OperationName,
    instrument_session,
)

if TYPE_CHECKING:
    import requests

    from pytest_qametrics.stats.latency_stats import LatencyStats

__all__ = ["LatencyTracker", "Measurement", "describe_error"]

F = TypeVar("F", bound=Callable[..., Any])


class Measurement:
    """Times one block, ``async with`` block or decorated call into a latency series.

    A block that raises is recorded as a failure of its elapsed time with the exception's
    type and message, and the exception propagates. That includes blocks abandoned by a
    ``BaseException`` (pytest-timeout's ``pytest.fail``, an asyncio ``CancelledError``); only
    Ctrl-C and ``pytest.skip()`` record nothing, since they end the test, not the operation.
    Each ``with`` uses a fresh object, so nesting, threads and concurrent tasks time correctly.
    """

    __slots__ = ("_series", "_start")

    def __init__(self, series: LatencySeries) -> None:
        self._series = series
        self._start = 0.0

    def __enter__(self) -> Measurement:
        self._start = perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed = perf_counter() - self._start
        if exc_type is None:
            self._series.ok.append(elapsed)
        else:
            self._series.add_exception(elapsed, exc)

    async def __aenter__(self) -> Measurement:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        """Decorate ``func`` (sync or async) so that every call is timed on its own."""
        return decorate(func, lambda: self._series)


_new_measurement = object.__new__
_INF = math.inf


def _tag_key(operation: str, tags: dict[str, Any]) -> tuple[Any, ...]:
    """Cache key of a tagged call; value types count, so ``flag=True`` is not ``flag=1``."""
    return (operation, tuple(tags.items()), tuple(map(type, tags.values())))


def decorate(func: F, series_for_call: Callable[[], LatencySeries | None]) -> F:
    """Wrap ``func`` so each call is timed into ``series_for_call()`` (untimed when it is None)."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def timed_coroutine(*args: Any, **kwargs: Any) -> Any:
            series = series_for_call()
            if series is None:
                return await func(*args, **kwargs)
            async with Measurement(series):
                return await func(*args, **kwargs)

        return cast(F, timed_coroutine)

    @functools.wraps(func)
    def timed_call(*args: Any, **kwargs: Any) -> Any:
        series = series_for_call()
        if series is None:
            return func(*args, **kwargs)
        with Measurement(series):
            return func(*args, **kwargs)

    return cast(F, timed_call)


class LatencyTracker:
    """Records how long operations take in the current test.

    Use ``measure()`` around the code to time, or ``record()`` for a duration measured
    elsewhere. ``stats()`` summarizes what this test recorded; SLOs are judged at session end
    over every test of the group.
    """

    def __init__(self, store: ItemStore, method: PercentileMethod = "nearest-rank") -> None:
        self._store = store
        self._method: PercentileMethod = method
        self._plain: dict[str, LatencySeries] = {}
        #: ``series.ok.append`` per untagged operation: record()'s fast path calls it directly.
        self._plain_ok: dict[str, Callable[[float], None]] = {}
        self._tagged: dict[tuple[Any, ...], LatencySeries] = {}
        self._instrumented: list[Instrumentation] = []

    def _series(self, operation: str, tags: dict[str, Any]) -> LatencySeries:
        if not tags:
            series = self._store.latency(operation)
            self._plain[operation] = series
            self._plain_ok[operation] = series.ok.append
            return series
        series = self._store.latency(operation, normalize_tags(tags))
        self._tagged[_tag_key(operation, tags)] = series  # values are scalars now
        return series

    def _lookup(self, operation: str, tags: dict[str, Any]) -> LatencySeries | None:
        """The series cached for this call's arguments (None on first use or bad input)."""
        try:
            if not tags:
                return self._plain.get(operation)
            return self._tagged.get(_tag_key(operation, tags))
        except TypeError:  # unhashable operation or tag: _series() says what is wrong
            return None

    def measure(self, operation: str = "default", **tags: Any) -> Measurement:
        """Return a context manager (also ``async with``, also a decorator) timing ``operation``."""
        if tags:
            found = self._lookup(operation, tags)
            series = self._series(operation, tags) if found is None else found
        else:  # the hot path, inlined: one dict lookup for an operation seen before
            try:
                series = self._plain[operation]
            except (KeyError, TypeError):  # first use, or bad input that _series() explains
                series = self._series(operation, tags)
        measurement = _new_measurement(Measurement)  # skips __init__: this is the hot path
        measurement._series = series
        return measurement

    def record(
        self,
        operation: str,
        seconds: float,
        *,
        success: bool = True,
        error: str | None = None,
        **tags: Any,
    ) -> None:
        """Record a duration in seconds measured elsewhere, as a success or a failure."""
        # The hot path: a finite float >= 0, a success, no tags, an operation seen before.
        if not tags and seconds.__class__ is float and 0.0 <= seconds < _INF and success is True:
            try:
                self._plain_ok[operation](seconds)
                return
            except (KeyError, TypeError):  # first use, or bad input explained below
                pass
        self._record(operation, seconds, success, error, tags)

    def _record(
        self, operation: str, seconds: float, success: bool, error: str | None, tags: dict[str, Any]
    ) -> None:
        series = self._lookup(operation, tags)
        if series is None:
            series = self._series(operation, tags)
        if seconds.__class__ is not float:
            seconds = _as_seconds(seconds, operation)
        if not 0.0 <= seconds < _INF:
            raise ValueError(
                f"latency_tracker.record({operation!r}, {seconds!r}): a duration must be a "
                f"finite number of seconds >= 0"
            )
        if success is True and error is None:
            series.ok.append(seconds)
        elif _failed(operation, success, error):
            series.add_failure(seconds, error or "failed")
        else:
            series.ok.append(seconds)

    def instrument(
        self,
        session: requests.Session,
        *,
        operation_name: OperationName = None,
        failure_status: FailureStatus = 400,
        **tags: Any,
    ) -> Instrumentation:
        """Record every request made through ``session`` (a ``requests.Session``) as a sample.

        Each call of ``session.request`` (so ``get``, ``post``, ... too) is timed from the call
        until the response body is read (with ``stream=True``: until the headers arrive) and
        recorded under the operation ``"METHOD /route/template"``, with ``tags`` on every sample:

        - ``operation_name=None``: the URL's path without host or query, with each segment that
          is an id (all digits, a UUID, 16 or more hex digits) replaced by ``{id}``, so
          ``GET /customers/42`` and ``GET /customers/7`` are both ``GET /customers/{id}``;
        - ``operation_name=[(pattern, replacement), ...]`` (or a dict): regex rules applied in
          order to the path with ``re.sub`` before the id rule, e.g.
          ``[(r"^/users/[^/]+", "/users/{name}")]``;
        - ``operation_name=callable``: ``(method, url) -> str`` names the operation itself
          (``pytest_qametrics.trackers.instrument.default_operation_name`` is the default rule).

        A response fails when ``failure_status`` says so: an int is the first failing status
        (default 400, so 4xx and 5xx fail), a container (``{500, 503}``, ``range(500, 600)``)
        lists the failing statuses, a callable ``status -> bool`` decides. A failed response is
        recorded with the message ``HTTP 503`` and returned as usual. An exception (timeout,
        connection refused, ...) is recorded as a failure with a short message such as
        ``ReadTimeout: Read timed out. (read timeout=0.5)`` and re-raised.

        Returns a handle: ``close()``, or leaving ``with latency_tracker.instrument(s):``,
        restores the session, after which nothing is recorded. Instrumenting a session that is
        already instrumented raises ``RuntimeError``. Handles still open when the test ends
        are closed then (samples belong to the test that created the handle).
        """
        handle = instrument_session(
            self, session, operation_name=operation_name, failure_status=failure_status, **tags
        )
        self._instrumented.append(handle)
        return handle

    def close(self) -> None:
        """Close every instrumentation this tracker opened (the fixture does so at test end)."""
        while self._instrumented:
            self._instrumented.pop().close()

    def stats(self, operation: str | None = None) -> LatencyStats:
        """Return statistics of what this test recorded, for one operation or for all."""
        from pytest_qametrics.stats.latency_stats import summarize_latency

        chosen = [
            series
            for (_, name, _), series in self._store.series.items()
            if isinstance(series, LatencySeries) and (operation is None or name == operation)
        ]
        errors: dict[str, int] = {}
        for s in chosen:
            for message, count in s.errors.items():
                add_error(errors, message, count)
        ok = as_float_array([s.ok for s in chosen])
        fail = as_float_array([s.fail for s in chosen])
        return summarize_latency(ok, fail, errors, self._method)


def _as_seconds(seconds: object, operation: str) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise ValueError(
            f"latency_tracker.record({operation!r}, {seconds!r}): seconds must be a number, "
            f"not {type(seconds).__name__}"
        )
    return float(seconds)


def _failed(operation: str, success: object, error: object) -> bool:
    """Whether a ``record()`` call is a failure; a ``success=`` that is not a bool (a numpy
    bool counts), an ``error=`` that is not a str, or an error on a success is a ValueError."""
    if type(success).__module__ == "numpy" and type(success).__name__ in ("bool", "bool_"):
        success = bool(success)  # numpy's bool, e.g. from ``latencies[i] < limit``
    if success is not True and success is not False:
        raise ValueError(
            f"latency_tracker.record({operation!r}, ..., success={success!r}): success must be "
            f"True or False, not {type(success).__name__}"
        )
    if error is not None and error.__class__ is not str:
        raise ValueError(
            f"latency_tracker.record({operation!r}, ..., error={error!r}): error must be a str "
            f"message such as 'HTTP 503' (or None), not {type(error).__name__}"
        )
    if success and error is not None:
        raise ValueError(
            f"latency_tracker.record({operation!r}, ..., error={error!r}): an error message "
            f"belongs to a failed call; pass success=False with it"
        )
    return not success
