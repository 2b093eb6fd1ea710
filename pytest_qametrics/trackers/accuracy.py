"""The accuracy tracker: predicted vs actual labels and confidences, scored with scikit-learn."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.columns import ColumnSeries, Label, label_kind
from pytest_qametrics.samples.text import safe_text

__all__ = [
    "ACCURACY_COLUMNS",
    "AccuracyStats",
    "AccuracyTracker",
    "ClassStats",
    "scalar_metadata",
    "summarize_accuracy",
]

ACCURACY_COLUMNS = {"predicted": "q", "actual": "q", "confidence": "d"}
_CALIBRATION_BINS = 10
#: ``precision``, ``recall`` and ``f1`` without a suffix mean the macro average.
_ALIASES = {"precision": "precision_macro", "recall": "recall_macro", "f1": "f1_macro"}


def scalar_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Keep metadata as JSON-safe scalars (other values become their str, made UTF-8 safe)."""
    return {safe_text(str(k)): _scalar(v) for k, v in metadata.items()}


def _scalar(value: object) -> object:
    if value is None or type(value) in (int, float, bool):
        return value
    return safe_text(str(value))


@dataclass(frozen=True, slots=True)
class ClassStats:
    """Precision, recall, F1 and support (how many samples truly belong) of one label."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class AccuracyStats:
    """Classification quality. Rates are None when nothing was recorded.

    ``min_class_recall`` is the recall of the worst label among those that truly occur;
    ``min_class_precision`` the precision of the worst label among those that were predicted.
    Averages use ``zero_division=0``: a label never predicted has precision 0.
    """

    count: int
    correct: int
    accuracy: float | None
    balanced_accuracy: float | None
    precision_macro: float | None
    recall_macro: float | None
    f1_macro: float | None
    precision_micro: float | None
    recall_micro: float | None
    f1_micro: float | None
    precision_weighted: float | None
    recall_weighted: float | None
    f1_weighted: float | None
    min_class_recall: float | None
    min_class_precision: float | None
    labels: list[Label] = field(default_factory=list)
    per_class: dict[str, ClassStats] = field(default_factory=dict)
    confusion_matrix: list[list[int]] = field(default_factory=list)
    confidence_correlation: float | None = None
    calibration_error: float | None = None
    calibration_bins: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        """Allow ``stats["f1"]`` (the macro F1) as well as ``stats.f1_macro``."""
        name = _ALIASES.get(name, name)
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics as plain data."""
        return asdict(self)


def _confidence(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"confidence {value!r} must be a number in [0, 1] or None")
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"confidence {value!r} must be in [0, 1] (a probability) or None")
    return number


class AccuracyTracker:
    """Records predicted and actual labels of the current test (one series per test).

    Labels may be str, int or bool, one type per series. ``stats()`` summarizes this test;
    SLOs on ``accuracy``, ``f1_macro``, ``min_class_recall`` ... are judged at session end
    over every test of the group.
    """

    def __init__(self, series: ColumnSeries) -> None:
        self._series = series

    def record(
        self, predicted: Label, actual: Label, confidence: float | None = None, **metadata: Any
    ) -> None:
        """Record one prediction; misclassified ones keep their metadata as report examples."""
        series = self._series
        conf = _confidence(confidence)
        p = series.code(predicted, "predicted")
        a = series.code(actual, "actual")
        series.columns["predicted"].append(p)
        series.columns["actual"].append(a)
        series.columns["confidence"].append(conf)
        if p != a:
            example = {"predicted": predicted, "actual": actual, "confidence": confidence}
            series.keep_example(scalar_metadata({**example, **metadata}))

    def record_many(
        self,
        predicted: Sequence[Label] | npt.NDArray[Any],
        actual: Sequence[Label] | npt.NDArray[Any],
        confidences: Sequence[float | None] | npt.NDArray[Any] | None = None,
    ) -> None:
        """Record many predictions at once (lists, tuples or numpy arrays of equal length)."""
        n = len(predicted)
        if len(actual) != n or (confidences is not None and len(confidences) != n):
            raise ValueError(
                f"record_many needs sequences of one length: predicted {n}, actual "
                f"{len(actual)}, confidences {None if confidences is None else len(confidences)}"
            )
        series = self._series
        codes = {}
        for label in (*dict.fromkeys(_items(predicted)), *dict.fromkeys(_items(actual))):
            codes[(label_kind(label), label)] = series.code(label, "record_many")
        p = [codes[(label_kind(x), x)] for x in _items(predicted)]
        a = [codes[(label_kind(x), x)] for x in _items(actual)]
        conf = [math.nan] * n if confidences is None else [_confidence(c) for c in confidences]
        series.columns["predicted"].extend(p)
        series.columns["actual"].extend(a)
        series.columns["confidence"].extend(conf)

    def stats(self) -> AccuracyStats:
        """Statistics of what this test recorded."""
        columns = {n: np.asarray(v) for n, v in self._series.columns.items()}
        return summarize_accuracy(columns, self._series.labels)


def _items(values: Sequence[Label] | npt.NDArray[Any]) -> list[Label]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def summarize_accuracy(columns: dict[str, npt.NDArray[Any]], labels: list[Label]) -> AccuracyStats:
    """Summarize coded predictions (``predicted``, ``actual``, ``confidence`` columns)."""
    predicted = columns.get("predicted", np.empty(0, dtype=np.int64)).astype(np.int64)
    actual = columns.get("actual", np.empty(0, dtype=np.int64)).astype(np.int64)
    confidence = columns.get("confidence", np.empty(0)).astype(np.float64)
    n = int(actual.size)
    if n == 0:
        return AccuracyStats(0, 0, *([None] * 13))  # type: ignore[arg-type]
    from sklearn.metrics import precision_recall_fscore_support

    order = sorted(
        set(actual.tolist()) | set(predicted.tolist()), key=lambda c: _sort_key(labels[c])
    )
    averaged: dict[str, float] = {}
    for average in ("macro", "micro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            actual, predicted, labels=order, average=average, zero_division=0.0
        )
        averaged |= {f"precision_{average}": float(p), f"recall_{average}": float(r)}
        averaged[f"f1_{average}"] = float(f)
    p, r, f, s = precision_recall_fscore_support(
        actual, predicted, labels=order, average=None, zero_division=0.0
    )
    predicted_counts = np.bincount(predicted, minlength=len(labels))
    present = [i for i, code in enumerate(order) if s[i] > 0]
    guessed = [i for i, code in enumerate(order) if predicted_counts[code] > 0]
    correct = int((predicted == actual).sum())
    return AccuracyStats(
        count=n,
        correct=correct,
        accuracy=correct / n,
        balanced_accuracy=float(np.mean([r[i] for i in present])),
        min_class_recall=float(min(r[i] for i in present)),
        min_class_precision=float(min(p[i] for i in guessed)),
        labels=[labels[c] for c in order],
        per_class={
            str(labels[c]): ClassStats(float(p[i]), float(r[i]), float(f[i]), int(s[i]))
            for i, c in enumerate(order)
        },
        confusion_matrix=_confusion(actual, predicted, order, len(labels)).tolist(),
        **averaged,  # type: ignore[arg-type]
        **_calibration(confidence, predicted == actual),
    )


def _confusion(
    actual: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64], order: list[int], codes: int
) -> npt.NDArray[np.int64]:
    """Rows true labels, columns predicted, in ``order`` (numpy: sklearn's warns on one label)."""
    k = len(order)
    position = np.full(codes, -1, dtype=np.int64)
    position[order] = np.arange(k)
    cells = position[actual] * k + position[predicted]
    return np.bincount(cells, minlength=k * k).reshape(k, k)


def _sort_key(label: Label) -> tuple[str, str]:
    return (label_kind(label), f"{label:>20}" if not isinstance(label, str) else label)


def _calibration(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    known = ~np.isnan(confidence)
    conf, hit = confidence[known], correct[known].astype(np.float64)
    if conf.size == 0:
        return {}
    correlation = None
    if conf.size > 1 and conf.std() > 0 and hit.std() > 0:
        correlation = float(np.corrcoef(conf, hit)[0, 1])
    edges = np.linspace(0.0, 1.0, _CALIBRATION_BINS + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, _CALIBRATION_BINS - 1)
    bins, error = [], 0.0
    for b in range(_CALIBRATION_BINS):
        members = which == b
        count = int(members.sum())
        if count:
            mean_conf, accuracy = float(conf[members].mean()), float(hit[members].mean())
            error += count / conf.size * abs(accuracy - mean_conf)
            bins.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "count": count,
                    "confidence": mean_conf,
                    "accuracy": accuracy,
                }
            )
    return {
        "confidence_correlation": correlation,
        "calibration_error": error,
        "calibration_bins": bins,
    }
