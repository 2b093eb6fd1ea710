"""Intervals of percentiles read from a histogram are widened by the histogram's error."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_qametrics.judge.observations import Observation
from pytest_qametrics.judge.uncertainty import confidence_interval
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.digest import LatencyDigest
from pytest_qametrics.stats.loghist import RELATIVE_ERROR


@pytest.mark.parametrize("value", [0.1234, 0.5123, 1.0071, 3.3333])
def test_the_interval_of_a_folded_p95_holds_the_exact_p95(value: float) -> None:
    """90% fast calls, 9% at ``value`` (so p95 and its neighbours are exactly ``value``), 1%
    slow: the histogram reads ``value`` to within 0.5%, and the interval must say so."""
    samples = np.concatenate([np.full(4500, 0.01), np.full(450, value), np.full(50, 10.0)])
    digest = LatencyDigest()
    digest.add(samples, np.empty(0))
    seen = Observation({}, 5000, "latency samples", RELATIVE_ERROR, digest=digest)
    spec = SloSpec("g", "latency", "p95", "<=", 1.0, confidence=0.95)

    interval = confidence_interval(spec, seen, 0.95)

    assert interval is not None
    assert interval.low <= value <= interval.high
    assert interval.high - interval.low <= 2.5 * RELATIVE_ERROR * value
