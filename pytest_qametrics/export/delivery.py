"""Sending with a deadline: every target in its own thread, each failure one redacted reason."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from pytest_qametrics.export.redact import Redactor

__all__ = ["Delivery", "DeliveryError", "deliver_all", "post_json"]

#: Statuses worth one more try (PagerDuty and Slack ask for it); others are final.
_RETRY = {429, 500, 502, 503, 504}
_BACKOFF = 1.0
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\")]*")


class DeliveryError(RuntimeError):
    """A target refused or did not answer; the message is the reason (secrets removed)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One thing to send: the target as shown, and the work (returns what to say on success)."""

    shown: str
    send: Callable[[float], str]


def _reason(err: BaseException, timeout: float) -> str:
    if isinstance(err, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(err, requests.ConnectionError):
        cause = _ERRNO.search(str(err))  # urllib3 wraps the socket's error in three layers
        return f"cannot connect ({cause.group(0).strip() if cause else err})"
    if isinstance(err, requests.RequestException):
        return f"{type(err).__name__}: {err}"
    if isinstance(err, (DeliveryError, OSError, ValueError)) or type(err).__name__ == "PushError":
        return str(err) or type(err).__name__
    return f"{type(err).__name__}: {err}"


def post_json(url: str, body: Any, deadline: float, accepted: tuple[int, ...]) -> int:
    """POST ``body`` as JSON before ``deadline`` (monotonic seconds); retry 429 and 5xx once
    when time allows; return the status, or raise DeliveryError naming it."""
    for attempt in (1, 2):
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeliveryError("no time left before the export timeout")
        answer = requests.post(url, json=body, timeout=left, allow_redirects=False)
        if answer.status_code in accepted or 200 <= answer.status_code < 300:
            return answer.status_code
        wait = _retry_after(answer, _BACKOFF)
        if attempt == 2 or answer.status_code not in _RETRY or time.monotonic() + wait >= deadline:
            text = " ".join(answer.text.split())[:300]
            raise DeliveryError(f"HTTP {answer.status_code} {answer.reason}: {text}".rstrip(": "))
        time.sleep(wait)
    raise DeliveryError("unreachable")  # pragma: no cover


def _retry_after(answer: requests.Response, default: float) -> float:
    try:
        return max(0.0, float(answer.headers.get("Retry-After", default)))
    except ValueError:
        return default


def deliver_all(
    deliveries: list[Delivery], timeout: float, redact: Redactor
) -> tuple[list[str], list[str]]:
    """Run every delivery at once, waiting ``timeout`` seconds in all; return (said, errors).

    A delivery still running at the deadline is reported and left behind in a daemon thread
    (its own socket timeout ends it), so the run never waits past the timeout.
    """
    results: dict[int, tuple[bool, str]] = {}

    def run(index: int, delivery: Delivery) -> None:
        try:
            results[index] = (True, delivery.send(time.monotonic() + timeout))
        except BaseException as err:  # every failure is one reason line, never a traceback
            results[index] = (False, _reason(err, timeout))

    threads = [
        threading.Thread(target=run, args=(i, d), name=f"qametrics-export-{i}", daemon=True)
        for i, d in enumerate(deliveries)
    ]
    end = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    said, errors = [], []
    for index, delivery in enumerate(deliveries):
        ok, text = results.get(index, (False, f"no answer within {timeout:g} s"))
        if ok:
            said.append(redact(text))
        else:
            errors.append(f"ERROR qametrics export: {delivery.shown}: {redact(text)}")
    return said, errors
