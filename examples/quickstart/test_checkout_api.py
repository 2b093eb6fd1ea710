"""A first taste of pytest-qametrics: latency SLOs on a simulated checkout service.

Run it with ``pytest examples/quickstart``. Every SLO passes; set
``QAMETRICS_DEMO_SLOW=1`` to make one operation slow and watch the run fail with an explanation.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from pytest_qametrics import LatencyTracker, timed

SLOW = os.environ.get("QAMETRICS_DEMO_SLOW") == "1"


@timed("inventory_lookup")
def look_up_inventory(sku: str) -> int:
    """Application code: timed() records into the running test, and is free outside tests."""
    time.sleep(0.002)
    return len(sku)


def checkout(cart: list[str], rng: random.Random) -> str:
    """A stand-in for a real service call whose latency varies like a real one."""
    for sku in cart:
        look_up_inventory(sku)
    time.sleep(rng.uniform(0.001, 0.004) + (0.05 if SLOW else 0.0))
    return "confirmed"


@pytest.mark.slo(p95="<=40ms", error_rate=0.0, operation="checkout")
@pytest.mark.slo(p99="<=50ms", operation="inventory_lookup")
@pytest.mark.parametrize("order", range(30))
def test_checkout_is_fast(latency_tracker: LatencyTracker, order: int) -> None:
    rng = random.Random(order)
    with latency_tracker.measure("checkout"):
        assert checkout(["sku-1", "sku-2"], rng) == "confirmed"


@pytest.mark.slo(p95="<=50ms", success_rate=">=90%", operation="search")
@pytest.mark.parametrize("query", ["shoes", "socks", "hats", "scarves", "gloves"] * 4)
def test_search_latency_recorded_from_a_client(latency_tracker: LatencyTracker, query: str) -> None:
    # A client library that reports its own timing: record() takes the measured seconds.
    elapsed = 0.004 + len(query) / 1000
    latency_tracker.record("search", elapsed, success=True, endpoint="/search")


@pytest.mark.slo(p95=0.5)
@pytest.mark.parametrize("page", ["home", "cart", "account"])
def test_pages_render(page: str) -> None:
    # No tracker here: the SLO judges the tests' own call durations.
    time.sleep(0.001)
