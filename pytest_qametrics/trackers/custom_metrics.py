"""The ``metrics`` fixture: custom values (tokens, cost, satisfaction scores) with statistics."""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.columns import ColumnSeries
from pytest_qametrics.samples.itemstore import ItemStore, normalize_tags
from pytest_qametrics.slo.catalogue import PERCENTILES
from pytest_qametrics.stats.percentiles import PercentileMethod, percentiles
from pytest_qametrics.stats.sums import exact_sum
from pytest_qametrics.trackers.prices import TokenPrice, parse_token_prices

__all__ = [
    "METRIC_COLUMNS",
    "MetricStats",
    "MetricsRecorder",
    "QAMetricsWarning",
    "TokenPrice",
    "parse_token_prices",
    "summarize_metric",
]

METRIC_COLUMNS = {"value": "d"}


class QAMetricsWarning(UserWarning):
    """Something was recorded incompletely (e.g. tokens of a model with no configured price)."""


@dataclass(frozen=True, slots=True)
class MetricStats:
    """Statistics of one custom metric's values (None when nothing was recorded)."""

    count: int
    sum: float
    mean: float | None
    min: float | None
    max: float | None
    p50: float | None
    p75: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    p999: float | None

    def __getitem__(self, name: str) -> Any:
        """Allow ``stats["sum"]`` as well as ``stats.sum``."""
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as plain data."""
        return asdict(self)


def summarize_metric(values: npt.NDArray[np.float64], method: PercentileMethod) -> MetricStats:
    """Summarize one metric's values."""
    n = int(values.size)
    if n == 0:
        return MetricStats(0, 0.0, *([None] * 9))
    quantiles = percentiles(values, list(PERCENTILES.values()), method)
    total = exact_sum(values)  # correctly rounded: the same in any arrival order
    return MetricStats(
        n,
        total,
        total / n,
        float(values.min()),
        float(values.max()),
        *quantiles,
    )


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"metric {name!r}: value {value!r} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric {name!r}: value {value!r} must be finite")
    return number


def _token_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} {value!r} must be a whole number of tokens >= 0")
    return int(value)


class MetricsRecorder:
    """Records custom metric values of the current test: ``metrics.record("csat", 4.5)``.

    SLOs name the metric and state the comparison: ``@pytest.mark.slo(metric="cost_usd",
    sum="<=2.00")``. Values are plain numbers in whatever unit the metric has.
    """

    def __init__(
        self,
        store: ItemStore,
        prices: dict[str, TokenPrice] | None = None,
        method: PercentileMethod = "nearest-rank",
    ) -> None:
        self._store = store
        self._prices = prices or {}
        self._method: PercentileMethod = method

    def _series(self, name: str, labels: dict[str, Any]) -> ColumnSeries:
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"a metric name must be a non-empty str such as 'cost_usd', not {name!r}"
            )
        return self._store.columns("metric", name, METRIC_COLUMNS, normalize_tags(labels))

    def record(self, name: str, value: float, **labels: Any) -> None:
        """Record one value of metric ``name`` (labels split it into series, pooled by SLOs)."""
        number = _number(name, value)
        self._series(name, labels).columns["value"].append(number)

    def increment(self, name: str, by: float = 1) -> None:
        """Add ``by`` to a counter metric; its ``sum`` is the total, ``count`` the increments."""
        self.record(name, by)

    def record_tokens(self, model: str, input_tokens: int, output_tokens: int) -> None:
        """Record token counts (metrics tokens_input, tokens_output, tokens_total) and the cost.

        The cost goes to metric ``cost_usd`` when ``qametrics_token_prices`` prices ``model``.
        """
        tokens_in = _token_count("input_tokens", input_tokens)
        tokens_out = _token_count("output_tokens", output_tokens)
        self.record("tokens_input", tokens_in, model=model)
        self.record("tokens_output", tokens_out, model=model)
        self.record("tokens_total", tokens_in + tokens_out, model=model)
        price = self._prices.get(model)
        if price is not None:
            self.record("cost_usd", price.cost(tokens_in, tokens_out), model=model)
        elif self._prices:
            warnings.warn(
                QAMetricsWarning(
                    f"no price for model {model!r} in qametrics_token_prices (priced: "
                    f"{', '.join(sorted(self._prices))}); its cost is not in cost_usd"
                ),
                stacklevel=2,
            )

    def stats(self, name: str) -> MetricStats:
        """Statistics of metric ``name`` as recorded by this test (every label pooled)."""
        parts = [
            np.asarray(series.columns["value"], dtype=np.float64)
            for (tracker, metric, _), series in self._store.series.items()
            if tracker == "metric" and metric == name and isinstance(series, ColumnSeries)
        ]
        values = np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)
        return summarize_metric(values, self._method)
