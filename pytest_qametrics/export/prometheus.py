"""Metric families out: the text exposition format, an atomic textfile, a Pushgateway ``PUT``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import requests
from prometheus_client import CollectorRegistry, generate_latest, push_to_gateway
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from pytest_qametrics.export.config import PushTarget

__all__ = ["PushError", "exposition", "push", "registry_of", "write_textfile"]


class PushError(RuntimeError):
    """The Pushgateway refused the push; the message says how (secrets already removed)."""


class _Snapshot(Collector):
    """A collector that yields the same finished families every time it is asked."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families

    def describe(self) -> Iterable[Metric]:
        return []


def registry_of(families: list[Metric]) -> CollectorRegistry:
    """A registry of its own (never the global one) holding exactly these families."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(families))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The families in Prometheus's text format (what node_exporter and the gateway read)."""
    return generate_latest(registry)


def write_textfile(path: Path, text: bytes) -> None:
    """Write :func:`exposition` output to ``path`` atomically (a temporary file renamed over
    it), for node_exporter's textfile collector, which reads ``*.prom`` files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _handler(
    url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes
) -> Callable[[], None]:
    """prometheus_client's push handler, done with requests (one timeout for connect and read)."""

    def send() -> None:
        answer = requests.request(
            method, url, data=data, headers=dict(headers), timeout=timeout, allow_redirects=False
        )
        if answer.status_code >= 400:
            body = " ".join(answer.text.split())[:300]
            raise PushError(f"HTTP {answer.status_code} {answer.reason}: {body}".rstrip(": "))

    return send


def push(target: PushTarget, registry: CollectorRegistry, timeout: float) -> None:
    """``PUT`` the registry to the gateway: it replaces the group of the same job and labels."""
    push_to_gateway(
        target.url,
        job=target.job,
        registry=registry,
        grouping_key=dict(target.labels),
        timeout=timeout,
        handler=_handler,
    )
