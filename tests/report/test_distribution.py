"""A latency series' distribution in the report: log bins, failures, zeros and nearest-rank CDF."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_qametrics.report.distribution import BINS, CDF_LEVELS, distribution
from pytest_qametrics.samples.population import LatencySamples
from pytest_qametrics.stats.digest import LatencyDigest


def _samples(
    ok: list[float], fail: tuple[float, ...] = (), digest: LatencyDigest | None = None
) -> LatencySamples:
    floats = np.float64
    return LatencySamples(np.array(ok, dtype=floats), np.array(fail, dtype=floats), {}, digest)


def test_no_samples_have_no_distribution() -> None:
    assert distribution(_samples([])) is None


def test_every_sample_lands_in_a_bin_between_the_smallest_and_largest() -> None:
    values = np.random.default_rng(7).lognormal(-3, 0.8, 500).tolist()
    shape = distribution(_samples(values[:490], tuple(values[490:])))

    assert shape is not None
    histogram = shape["histogram"]
    assert len(histogram["counts"]) == BINS
    assert sum(histogram["counts"]) == 500
    assert sum(histogram["failed"]) == 10
    assert (histogram["low"], histogram["high"]) == (min(values), max(values))


def test_the_cdf_reads_observed_samples_at_nearest_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    shape = distribution(_samples(values))

    assert shape is not None
    cdf = {level: value for value, level in shape["cdf"]}
    assert [level for _, level in shape["cdf"]] == list(CDF_LEVELS)
    assert (cdf[0.0], cdf[0.5], cdf[0.99], cdf[1.0]) == (1.0, 50.0, 99.0, 100.0)


def test_samples_of_zero_are_counted_apart_from_the_log_bins() -> None:
    shape = distribution(_samples([0.0, 0.0, 0.5]))

    assert shape is not None
    assert (shape["histogram"]["zeros"], sum(shape["histogram"]["counts"])) == (2, 1)
    assert shape["cdf"][0] == [0.0, 0.0]


def test_a_single_value_gets_a_visible_bin_around_it() -> None:
    shape = distribution(_samples([0.2, 0.2]))

    assert shape is not None
    assert shape["histogram"]["low"] < 0.2 < shape["histogram"]["high"]
    assert sum(shape["histogram"]["counts"]) == 2


def test_samples_folded_past_the_exact_cap_count_at_their_bucket_value() -> None:
    digest = LatencyDigest()
    digest.add(np.full(1000, 0.1), np.empty(0))
    shape = distribution(_samples([0.3], digest=digest))

    assert shape is not None
    assert sum(shape["histogram"]["counts"]) == 1001
    assert shape["cdf"][len(CDF_LEVELS) // 2][0] == pytest.approx(0.1, rel=0.005)
    assert shape["cdf"][-1][0] == 0.3
