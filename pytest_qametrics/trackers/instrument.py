"""``latency_tracker.instrument(session)``: time each request of a requests Session by route."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping, Sequence
from time import perf_counter
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from urllib.parse import urlsplit

from pytest_qametrics.samples.itemstore import normalize_tags, records_exception

if TYPE_CHECKING:
    import requests

__all__ = [
    "FailureStatus",
    "Instrumentation",
    "LatencySink",
    "OperationName",
    "RouteRules",
    "collapse_ids",
    "default_operation_name",
    "describe_request_error",
    "instrument_session",
]

#: ``(pattern, replacement)`` pairs, or a mapping of them, applied in order to the URL path.
RouteRules: TypeAlias = (
    Mapping[str | re.Pattern[str], str] | Sequence[tuple[str | re.Pattern[str], str]]
)
#: ``None`` (the default id rule), a callable ``(method, url) -> operation``, or route rules.
OperationName: TypeAlias = Callable[[str, str], str] | RouteRules | None
#: A status at or above which a response fails, a container of failing statuses, or a predicate.
FailureStatus: TypeAlias = int | Container[int] | Callable[[int], bool]
#: Keywords of ``LatencyTracker.record`` and ``instrument()`` that cannot be tag names.
_RESERVED_TAGS = ("operation", "seconds", "success", "error", "operation_name", "failure_status")

_ID = "{id}"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: A path segment that is an id: all digits, a UUID, or 16 or more hex digits (hashes, ObjectIds).
_ID_SEGMENT = re.compile(rf"\d+|{_UUID}|[0-9a-fA-F]{{16,}}")
#: The ``HTTPConnectionPool(host='127.0.0.1', port=5000): `` prefixes urllib3 puts on messages.
_POOL_PREFIX = re.compile(r"\w*HTTPS?Connection(?:Pool)?\([^)]*\):\s*")


class LatencySink(Protocol):
    """Where samples go: ``LatencyTracker.record`` has this signature."""

    def record(
        self,
        operation: str,
        seconds: float,
        *,
        success: bool = True,
        error: str | None = None,
        **tags: Any,
    ) -> None: ...


def collapse_ids(path: str) -> str:
    """Replace each path segment that looks like an id with ``{id}``.

    ``/customers/42/orders/7f9c...e1`` becomes ``/customers/{id}/orders/{id}``: all-digit
    segments, UUIDs and hex strings of 16 digits or more are ids; words are kept.
    """
    return "/".join(_ID if _ID_SEGMENT.fullmatch(part) else part for part in path.split("/"))


def default_operation_name(method: str, url: str) -> str:
    """Return ``"METHOD /route/template"``: the URL's path with ids collapsed, no host or query."""
    return f"{method.upper()} {collapse_ids(urlsplit(url).path or '/')}"


def _rules_namer(rules: RouteRules) -> Callable[[str, str], str]:
    pairs = list(rules.items()) if isinstance(rules, Mapping) else list(rules)
    compiled: list[tuple[re.Pattern[str], str]] = []
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], str)):
            raise TypeError(
                f"instrument(operation_name=...): a route rule is a (pattern, replacement) "
                f"pair such as (r'/users/[^/]+', '/users/{{name}}'), not {pair!r}"
            )
        compiled.append((re.compile(pair[0]), pair[1]))

    def name(method: str, url: str) -> str:
        path = urlsplit(url).path or "/"
        for pattern, replacement in compiled:
            path = pattern.sub(replacement, path)
        return f"{method.upper()} {collapse_ids(path)}"

    return name


def _namer(operation_name: OperationName) -> Callable[[str, str], str]:
    if operation_name is None:
        return default_operation_name
    if isinstance(operation_name, (str, bytes)):
        raise TypeError(
            f"instrument(operation_name={operation_name!r}): pass a callable "
            f"(method, url) -> str or a list of (pattern, replacement) rules, not a string"
        )
    if callable(operation_name):
        return operation_name
    return _rules_namer(operation_name)


def _failure_test(failure_status: FailureStatus) -> Callable[[int], bool]:
    if isinstance(failure_status, (bool, str, bytes)):
        raise TypeError(
            f"instrument(failure_status={failure_status!r}) must be an int, a set or a callable"
        )
    if isinstance(failure_status, int):
        first_failing = failure_status
        return lambda status: status >= first_failing
    if callable(failure_status):
        return failure_status
    if isinstance(failure_status, Container):
        failing = failure_status
        return lambda status: status in failing
    raise TypeError(
        f"instrument(failure_status={failure_status!r}) must be an int (the first failing "
        f"status), a container of failing statuses or a callable status -> bool"
    )


def describe_request_error(exc: BaseException) -> str:
    """Return a short, stable message for a failed request, e.g. ``ReadTimeout: Read timed out.``.

    requests wraps urllib3's errors, whose text repeats the host and port; the innermost reason
    without those prefixes is what tells one failure kind from another.
    """
    reason: BaseException = exc
    for _ in range(4):
        inner = reason.args[0] if reason.args else None
        inner = getattr(inner, "reason", inner)
        if not isinstance(inner, BaseException):
            break
        reason = inner
    text = _POOL_PREFIX.sub("", str(reason)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _TimedRequest:
    """Stands in for ``session.request``: times the original and records one sample per call."""

    __slots__ = ("active", "fails", "name", "original", "sink", "tags")

    def __init__(
        self,
        original: Callable[..., Any],
        sink: LatencySink,
        name: Callable[[str, str], str],
        fails: Callable[[int], bool],
        tags: dict[str, Any],
    ) -> None:
        self.original = original
        self.sink = sink
        self.name = name
        self.fails = fails
        self.tags = tags
        self.active = True

    def __call__(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if not self.active:
            return self.original(method, url, *args, **kwargs)
        operation = self._operation(method, url)
        start = perf_counter()
        try:
            response = self.original(method, url, *args, **kwargs)
        except BaseException as exc:
            elapsed = perf_counter() - start
            if not records_exception(exc):  # Ctrl-C, pytest.skip: the test ended, not the call
                raise
            error = describe_request_error(exc)
            self.sink.record(operation, elapsed, success=False, error=error, **self.tags)
            raise
        elapsed = perf_counter() - start
        status = response.status_code
        if self.fails(status):
            error = f"HTTP {status}"
            self.sink.record(operation, elapsed, success=False, error=error, **self.tags)
        else:
            self.sink.record(operation, elapsed, **self.tags)
        return response

    def _operation(self, method: str | bytes, url: str | bytes) -> str:
        text_method = method.decode() if isinstance(method, bytes) else str(method)
        text_url = url.decode() if isinstance(url, bytes) else str(url)
        operation = self.name(text_method, text_url)
        if not isinstance(operation, str) or not operation:
            raise ValueError(
                f"instrument(operation_name=...) returned {operation!r} for {text_method} "
                f"{text_url}; it must return a non-empty str such as 'GET /customers/{{id}}'"
            )
        return operation


class Instrumentation:
    """The handle ``instrument()`` returns: ``close()`` (or leaving ``with``) uninstruments.

    Closing puts the session's own ``request`` back, so nothing is recorded afterwards; it is
    safe to call twice. When something else wrapped ``session.request`` on top in the meantime,
    the wrapper stays in place but stops recording and only passes calls through.
    """

    __slots__ = ("_previous", "_timed", "session")

    def __init__(self, session: requests.Session, timed: _TimedRequest, previous: object) -> None:
        self.session = session
        self._timed = timed
        self._previous = previous

    @property
    def active(self) -> bool:
        """Whether requests through the session are still being recorded."""
        return self._timed.active

    def close(self) -> None:
        """Stop recording and restore ``session.request``."""
        if not self._timed.active:
            return
        self._timed.active = False
        attributes = vars(self.session)
        if attributes.get("request") is self._timed:
            if self._previous is None:
                del attributes["request"]
            else:
                attributes["request"] = self._previous

    def __enter__(self) -> Instrumentation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def instrument_session(
    sink: LatencySink,
    session: requests.Session,
    *,
    operation_name: OperationName = None,
    failure_status: FailureStatus = 400,
    **tags: Any,
) -> Instrumentation:
    """Record every request made through ``session`` as a latency sample; see LatencyTracker."""
    normalize_tags(tags)  # a bad tag fails here, not at the first request
    clashes = sorted(set(tags) & set(_RESERVED_TAGS))
    if clashes:
        raise ValueError(f"instrument(): {', '.join(clashes)} cannot be a tag name")
    namer = _namer(operation_name)
    fails = _failure_test(failure_status)
    try:
        attributes = vars(session)
    except TypeError:
        raise TypeError(
            f"instrument() needs a requests.Session (or an object whose request() method can be "
            f"replaced), not {type(session).__name__}"
        ) from None
    current = attributes.get("request")
    if isinstance(current, _TimedRequest) and current.active:
        raise RuntimeError(
            "this requests.Session is already instrumented; close the first handle "
            "(or use 'with latency_tracker.instrument(session):') before instrumenting it again"
        )
    if not callable(getattr(session, "request", None)):
        raise TypeError(f"instrument() needs a requests.Session, not {type(session).__name__}")
    timed = _TimedRequest(session.request, sink, namer, fails, tags)
    attributes["request"] = timed
    return Instrumentation(session, timed, current)
