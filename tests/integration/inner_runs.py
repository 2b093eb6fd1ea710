"""Build inner pytest projects for pytester and read the qametrics section of their output."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence

import numpy as np
import pytest

from pytest_qametrics.report.terminal import format_value
from pytest_qametrics.slo.spec import SloSpec

__all__ = [
    "BASE_ADDOPTS",
    "just_below",
    "nearest_rank_p95",
    "seeded_latencies",
    "shown",
    "slo_section",
    "write_ini",
]

#: Options of every inner run. pytest-benchmark warns under xdist; pytest-randomly would shuffle
#: tests whose order matters (``-x``, ``pytest.exit``); the cache only adds files;
#: hypothesis's plugin imports hypothesis afresh in every in-process run (about 1 s each); and when
#: the repository root (holding the ``pytest_qametrics.egg-info`` of an editable install) is on
#: sys.path, an in-process run asks to rewrite the already imported plugin and warns about it.
#: Blocking a plugin that is not installed is harmless.
#: pytest-asyncio (a dev dependency for tests/plugins) warns in every run without its loop-scope
#: setting; the other peer plugins do nothing unless asked (tests here use pytest-timeout/-html).
BASE_ADDOPTS = (
    "-p no:benchmark -p no:randomly -p no:hypothesispytest -p no:cacheprovider"
    " -W ignore::pytest.PytestAssertRewriteWarning"
    " -p no:asyncio"
)

_HEADER = re.compile(r"^=+ qametrics SLOs =+$")


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """Write the inner project's tox.ini: the base options, then ``lines`` verbatim."""
    pytester.makeini("\n".join(["[pytest]", f"addopts = {BASE_ADDOPTS}", *lines, ""]))


def slo_section(result: pytest.RunResult) -> list[str]:
    """Return the qametrics section below its header, up to and including its total line.

    An empty list means the run printed no qametrics section at all.
    """
    lines = result.outlines
    starts = [index for index, line in enumerate(lines) if _HEADER.match(line)]
    if not starts:
        return []
    if len(starts) > 1:
        raise AssertionError(f"the qametrics section was printed {len(starts)} times")
    section: list[str] = []
    for line in lines[starts[0] + 1 :]:
        section.append(line)
        if line.startswith("qametrics:"):
            return section
    raise AssertionError(f"the qametrics section has no closing total line: {section}")


def seeded_latencies(seed: int, count: int = 100) -> list[float]:
    """Return ``count`` reproducible latencies between 20 ms and 800 ms."""
    rng = random.Random(seed)
    return [rng.uniform(0.020, 0.800) for _ in range(count)]


def nearest_rank_p95(values: Sequence[float]) -> float:
    """The p95 the plugin must judge by default: numpy's ``inverted_cdf`` quantile."""
    return float(np.quantile(values, 0.95, method="inverted_cdf"))


def just_below(value: float) -> float:
    """The largest float below ``value``: a threshold that ``value`` exceeds by one ulp."""
    return math.nextafter(value, 0.0)


def shown(seconds: float) -> str:
    """Return a latency as the summary prints it, e.g. ``479 ms``."""
    spec = SloSpec(scope="-", tracker="latency", statistic="p95", comparison="<=", threshold=1.0)
    return format_value(seconds, spec)
