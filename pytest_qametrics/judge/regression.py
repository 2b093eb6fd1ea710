"""Judge a ``<statistic>_regression`` key: how much worse than the baseline, and is it real."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from pytest_qametrics.judge.baseline import NO_BASELINE, Baseline, Confusion, SeriesData
from pytest_qametrics.judge.observations import Observation
from pytest_qametrics.judge.series import numeric_stats, observation_histogram, series_key
from pytest_qametrics.judge.significance import (
    DEFAULT_SIGNIFICANCE,
    Significance,
    confusion_bootstrap,
    quantile_bootstrap,
    quantile_testable,
    samples_for_quantile_test,
    two_proportion,
    welch_mean,
)
from pytest_qametrics.slo.catalogue import (
    CONFUSION_STATISTICS,
    MEANS,
    QUANTILE_OF,
    RATES,
    regression_base,
    statistic_info,
    worse_when_higher,
)
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.slo.thresholds import Threshold, compare

__all__ = ["Judged", "Regression", "assess", "judge_regression", "series_of", "shown"]

RegressionStatus = Literal["pass", "fail", "warn", "no_data"]
_NO_HISTOGRAM = (
    "no significance test: the baseline has no histogram of this series (a report.json "
    "baseline, or a run recorded before histograms were kept), so the values are compared as "
    "they are"
)


@dataclass(frozen=True, slots=True)
class Regression:
    """A statistic compared with its baseline value: the change, and its significance."""

    #: How the baseline is named: ``run 17``, ``report.json at PATH``.
    baseline: str
    #: The statistic compared, e.g. ``p95``.
    statistic: str
    current: float
    previous: float
    #: current - previous; as a fraction of previous for a relative tolerance ("10%").
    change: float
    relative: bool
    #: One-sided p-value of "worse than the baseline"; None when no test was possible.
    p_value: float | None
    #: The test (``bootstrap of histograms``...), or why there was none.
    method: str
    #: The confidence a worsening must reach to fail (1 - the significance level).
    confidence: float
    baseline_n: int | None = None

    @property
    def significant(self) -> bool:
        """Whether the worsening is significant (always, when it could not be tested)."""
        return self.p_value is None or self.p_value < 1.0 - self.confidence

    def to_report(self) -> dict[str, Any]:
        """The comparison as JSON-ready values, for the ``regression`` of a report SLO row."""
        finite = math.isfinite(self.change)
        return {
            "baseline": self.baseline,
            "statistic": self.statistic,
            "current": self.current,
            "previous": self.previous,
            "change": self.change if finite else None,
            "relative": self.relative,
            "p_value": self.p_value,
            "method": self.method,
            "confidence": self.confidence,
            "significant": self.significant,
            "baseline_n": self.baseline_n,
        }

    def describe(self, tracker: str) -> str:
        """E.g. ``p95 +31.2% vs baseline run 17 (466.8 ms -> 612.4 ms; p=0.001, bootstrap ...)``."""
        name = self.statistic
        if self.relative:
            change = f"{self.change:+.1%}" if math.isfinite(self.change) else "+inf%"
        else:
            change = shown(self.change, tracker, name, signed=True)
        values = f"{shown(self.previous, tracker, name)} -> {shown(self.current, tracker, name)}"
        if self.p_value is None:
            test = self.method
        else:
            p_text = "p<0.001" if self.p_value < 0.001 else f"p={self.p_value:.2g}"
            test = f"{p_text}, {self.method}"
        return f"{self.statistic} {change} vs baseline {self.baseline} ({values}; {test})"


@dataclass(frozen=True, slots=True)
class Judged:
    """The outcome of one regression key, for evaluation to turn into a Verdict."""

    status: RegressionStatus
    #: How much worse than the baseline (positive) or better (negative), in the tolerance's
    #: unit: a fraction of the baseline for "10%", else seconds or a rate difference.
    worsening: float | None
    reason: str
    regression: Regression | None = None


@dataclass(frozen=True, slots=True)
class _Untested:
    """Why no significance test was made; ``blocking`` when the values cannot be compared."""

    why: str
    blocking: bool = False


def _kind(tracker: str, statistic: str) -> str:
    info = statistic_info(tracker, statistic)
    return info.kind if info is not None else "number"


def shown(value: float, tracker: str, statistic: str, signed: bool = False) -> str:
    """A value in its unit (``12.3 ms``, ``91.2%``); ``signed`` shows a change (``+2.1 pp``)."""
    kind = _kind(tracker, statistic)
    sign = "+" if signed and value >= 0 else "-" if value < 0 else ""
    size = abs(value)
    if kind == "rate":
        return f"{sign}{size * 100:.3g} pp" if signed else f"{size * 100:.4g}%"
    if kind != "duration":
        return f"{sign}{size:.4g}"
    if size == 0 or size >= 1:
        return f"{sign}{size:.4g} s"
    if size < 1e-3:
        return f"{sign}{size * 1e6:.4g} us"
    return f"{sign}{size * 1e3:.4g} ms"


def _count(statistic: str, stats: dict[str, float]) -> int | None:
    field = "resolution_time_count" if statistic.startswith("resolution_time_") else "count"
    value = stats.get(field)
    return None if value is None else int(value)


def series_of(seen: Observation) -> SeriesData:
    """The current run's observation in the form a baseline series has."""
    confusion = None
    if hasattr(seen.stats, "confusion_matrix") and seen.count:
        matrix = np.asarray(seen.stats.confusion_matrix, dtype=np.int64)
        confusion = Confusion(tuple(str(x) for x in seen.stats.labels), matrix)
    return SeriesData(numeric_stats(seen.stats), observation_histogram(seen), confusion)


def _significance(
    statistic: str, now: SeriesData, then: SeriesData, higher_is_worse: bool
) -> Significance | _Untested:
    """The test of ``statistic`` getting worse from ``then`` to ``now``, or why there is none."""
    if statistic in QUANTILE_OF:
        return _quantile(statistic, now, then, higher_is_worse)
    if statistic in MEANS:
        if now.histogram is None or then.histogram is None:
            return _Untested(_NO_HISTOGRAM)
        hists = (now.histogram, then.histogram)
        a, b = ((h.count, h.mean(), h.variance()) for h in hists)
        return welch_mean(a, b, higher_is_worse)
    if statistic in RATES:
        counts = _count(statistic, now.stats), _count(statistic, then.stats)
        rates = now.stats.get(statistic), then.stats.get(statistic)
        if not all(counts) or None in rates:
            return _Untested("no significance test: a run does not say its sample count")
        return two_proportion(
            float(rates[0] or 0),
            counts[0] or 0,
            float(rates[1] or 0),
            counts[1] or 0,
            higher_is_worse,
        )
    if statistic in CONFUSION_STATISTICS and now.confusion and then.confusion:
        return confusion_bootstrap(now.confusion, then.confusion, statistic, higher_is_worse)
    return _Untested("no significance test: the baseline has no confusion matrix of this series")


def _quantile(
    statistic: str, now: SeriesData, then: SeriesData, higher_is_worse: bool
) -> Significance | _Untested:
    if now.histogram is None or then.histogram is None:
        return _Untested(_NO_HISTOGRAM)
    q = QUANTILE_OF[statistic]
    if not (
        quantile_testable(q, now.histogram.count) and quantile_testable(q, then.histogram.count)
    ):
        needed = samples_for_quantile_test(q)
        return _Untested(
            f"{statistic} of fewer than {needed} samples is their maximum, which no test can "
            f"compare with the baseline's; record at least {needed} samples in both runs",
            blocking=True,
        )
    return quantile_bootstrap(now.histogram, then.histogram, q, higher_is_worse)


def _change(current: float, previous: float, relative: bool) -> float:
    if not relative:
        return current - previous
    if previous == 0:
        return 0.0 if current == 0 else math.copysign(math.inf, current)
    return (current - previous) / abs(previous)


def assess(
    tracker: str,
    statistic: str,
    now: SeriesData,
    then: SeriesData,
    tolerance: Threshold,
    confidence: float,
    baseline: str,
) -> Judged:
    """Compare one statistic of two runs: ``fail`` only on a significant worsening beyond the
    tolerance, ``pass`` otherwise (saying how large the change was), ``no_data`` when either
    run lacks the statistic or the values cannot be compared."""
    current, previous = now.stats.get(statistic), then.stats.get(statistic)
    if current is None or previous is None:
        which = "the baseline" if previous is None else "this run"
        return Judged("no_data", None, f"{which} has no {statistic} of this series")
    higher_is_worse = worse_when_higher(tracker, statistic)
    tested = _significance(statistic, now, then, higher_is_worse)
    if isinstance(tested, _Untested) and tested.blocking:
        return Judged("no_data", None, tested.why)
    change = _change(current, previous, tolerance.relative)
    worsening = change if higher_is_worse else -change
    regression = Regression(
        baseline=baseline,
        statistic=statistic,
        current=current,
        previous=previous,
        change=change,
        relative=tolerance.relative,
        p_value=tested.p_value if isinstance(tested, Significance) else None,
        method=tested.method if isinstance(tested, Significance) else tested.why,
        confidence=confidence,
        baseline_n=_count(statistic, then.stats),
    )
    detail = regression.describe(tracker)
    if compare(worsening, tolerance):
        return Judged("pass", worsening, f"{detail}: within the tolerance", regression)
    if not regression.significant:
        level = f"{regression.confidence:.0%}"
        return Judged("pass", worsening, f"{detail}: not significant at {level}", regression)
    return Judged("fail", worsening, detail, regression)


def judge_regression(
    spec: SloSpec, seen: Observation, baseline: Baseline | None, part: str | None
) -> Judged:
    """Judge a regression key of ``spec`` on the current observation against the baseline."""
    statistic = regression_base(spec.statistic)
    if statistic is None:
        raise ValueError(f"{spec.statistic} is not a regression key")
    if baseline is None:
        return Judged("no_data", None, NO_BASELINE)
    if baseline.missing:
        return Judged("no_data", None, baseline.missing)
    key = series_key(spec, part, seen.source)
    then = baseline.lookup(key)
    if then is None or statistic not in then.stats:
        what = f"{spec.tracker} series {key[2]!r} of {key[0]}"
        return Judged(
            "no_data", None, f"baseline {baseline.label} has no {statistic} of the {what}"
        )
    confidence = spec.confidence or DEFAULT_SIGNIFICANCE
    judged = assess(
        spec.tracker,
        statistic,
        series_of(seen),
        then,
        spec.threshold_spec,
        confidence,
        baseline.label,
    )
    if judged.status == "fail" and spec.severity == "warn":
        return replace(judged, status="warn")
    return judged
