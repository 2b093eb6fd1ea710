"""Build the inner projects of the xdist tests and read back what their runs reported."""

# tests/xdist has no __init__.py on purpose: a package named ``xdist`` would shadow pytest-xdist
# itself, so pytest imports these modules by their own (unique) names.

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

__all__ = [
    "BASE_ADDOPTS",
    "Row",
    "grid_latencies",
    "just_below",
    "nearest_rank",
    "read_report",
    "slo_rows",
    "write_ini",
]

#: Options of every inner run. pytest-benchmark warns under xdist; hypothesis's plugin costs about
#: a second per in-process run; the cache only adds files; and an in-process run asks to rewrite
#: the already imported plugin. Blocking a plugin that is not installed is harmless.
#: The other plugins tests/plugins runs with (pytest-asyncio, -rerunfailures, -repeat, -timeout,
#: -randomly, -html with -metadata, -cov) are dev dependencies: off here, as before they were.
BASE_ADDOPTS = (
    "-p no:benchmark -p no:randomly -p no:hypothesispytest -p no:cacheprovider"
    " -W ignore::pytest.PytestAssertRewriteWarning"
    " -p no:asyncio -p no:rerunfailures -p no:repeat -p no:timeout -p no:html -p no:html_fixtures"
    " -p no:metadata -p no:pytest_cov"
)

#: One SLO as report.json states it: scope, tracker, statistic, operation, observed, n, verdict.
Row = tuple[str, str, str, str | None, float | None, int, str]


def write_ini(pytester: pytest.Pytester, *lines: str) -> None:
    """Write the inner project's tox.ini: the base options, then ``lines`` verbatim."""
    pytester.makeini("\n".join(["[pytest]", f"addopts = {BASE_ADDOPTS}", *lines, ""]))


def read_report(directory: Path) -> dict[str, Any]:
    """Return the report.json a run wrote into ``directory``."""
    data: dict[str, Any] = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    return data


def slo_rows(directory: Path) -> list[Row]:
    """Every SLO of the report in ``directory``, sorted so runs can be compared as wholes.

    Sorting matters under xdist: SLOs of one group declared by different test functions are
    listed in the order their tests' payloads arrived.
    """
    rows: list[Row] = [
        (
            s["scope"],
            s["tracker"],
            s["statistic"],
            s["operation"],
            s["observed"],
            s["n"],
            s["verdict"],
        )
        for s in read_report(directory)["slos"]
    ]
    return sorted(rows, key=repr)


def grid_latencies(
    rng: np.random.Generator, count: int, median: float = 0.1, sigma: float = 0.6
) -> list[float]:
    """Lognormal latencies rounded to multiples of 1/4096 s, so any order sums them exactly."""
    raw = rng.lognormal(mean=math.log(median), sigma=sigma, size=count)
    ticks = np.maximum(np.round(raw * 4096), 1)
    return [float(tick) / 4096 for tick in ticks]


def nearest_rank(values: Sequence[float] | npt.NDArray[np.float64], p: float) -> float:
    """The p-quantile the plugin judges by default: numpy's ``inverted_cdf``."""
    return float(np.quantile(values, p, method="inverted_cdf"))


def just_below(value: float) -> float:
    """The largest float below ``value``: a threshold that ``value`` breaches by one ulp."""
    return math.nextafter(value, 0.0)
