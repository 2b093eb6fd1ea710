"""Fixtures of the support-bot example: one server per process, one measured client per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from supportbot.server import RunningServer, start_server

from pytest_qametrics import LatencyTracker


@pytest.fixture(scope="session")
def support_bot() -> Iterator[RunningServer]:
    """Train the model and serve the API on 127.0.0.1 at a free port, until the session ends.

    Under pytest-xdist every worker is its own process with its own server; the knobs
    (``SUPPORT_BOT_LATENCY_MS``, ``SUPPORT_BOT_ERROR_RATE``, ``SUPPORT_BOT_LABEL_NOISE``) are
    read from the environment, which the workers inherit.
    """
    with start_server() as server:
        yield server


@pytest.fixture(scope="session")
def base_url(support_bot: RunningServer) -> str:
    """The API's address, e.g. ``http://127.0.0.1:41235``."""
    return support_bot.url


@pytest.fixture
def api(latency_tracker: LatencyTracker) -> Iterator[requests.Session]:
    """A ``requests.Session`` whose every request is a latency sample of this test.

    Operations are named by route: ``POST /customers``, ``GET /customers/{id}``. The tests
    check 4xx answers themselves (a deleted customer is a 404 by design), so only server
    errors (``failure_status=500``), timeouts and refused connections count as failures.
    """
    with requests.Session() as session, latency_tracker.instrument(session, failure_status=500):
        yield session
