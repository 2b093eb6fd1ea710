"""The accuracy and escalation trackers and custom metrics agree with scikit-learn and the seeds."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

from pytest_qametrics import (
    AccuracyTracker,
    EscalationReason,
    EscalationTracker,
    MetricsRecorder,
    QAMetricsWarning,
    ResolutionOutcome,
)
from pytest_qametrics.samples.itemstore import ItemStore
from pytest_qametrics.trackers.accuracy import ACCURACY_COLUMNS
from pytest_qametrics.trackers.custom_metrics import TokenPrice, parse_token_prices
from pytest_qametrics.trackers.escalation import ESCALATION_COLUMNS

#: The eight cases of the seed's test_classification_accuracy: (predicted, actual, confidence).
SEED_CASES = [
    ("account", "account", 0.95),
    ("billing", "billing", 0.88),
    ("technical", "technical", 0.92),
    ("account", "billing", 0.75),
    ("general", "general", 0.90),
    ("account", "account", 0.96),
    ("billing", "account", 0.65),
    ("technical", "technical", 0.94),
]

#: The eight interactions of the seed's test_escalation_rate_tracking.
SEED_INTERACTIONS = [
    (ResolutionOutcome.RESOLVED_AUTOMATICALLY, None, 45.0, 1),
    (ResolutionOutcome.ESCALATED_TO_AGENT, EscalationReason.COMPLEX_ISSUE, 120.0, 2),
    (ResolutionOutcome.RESOLVED_AUTOMATICALLY, None, 30.0, 1),
    (ResolutionOutcome.ESCALATED_TO_SPECIALIST, EscalationReason.TECHNICAL_LIMITATION, 180.0, 3),
    (ResolutionOutcome.RESOLVED_AUTOMATICALLY, None, 60.0, 1),
    (ResolutionOutcome.ESCALATED_TO_AGENT, EscalationReason.CUSTOMER_UNSATISFIED, 90.0, 2),
    (ResolutionOutcome.RESOLVED_AUTOMATICALLY, None, 40.0, 1),
    (ResolutionOutcome.RESOLUTION_FAILED, EscalationReason.UNKNOWN, 200.0, 4),
]


def accuracy_tracker() -> AccuracyTracker:
    return AccuracyTracker(ItemStore().columns("accuracy", "default", ACCURACY_COLUMNS))


def escalation_tracker() -> EscalationTracker:
    return EscalationTracker(ItemStore().columns("escalation", "default", ESCALATION_COLUMNS))


def test_the_seed_classification_cases_give_accuracy_0_75_and_sklearns_macro_f1() -> None:
    tracker = accuracy_tracker()
    for predicted, actual, confidence in SEED_CASES:
        tracker.record(predicted, actual, confidence=confidence)
    stats = tracker.stats()
    truth = [a for _, a, _ in SEED_CASES]
    guess = [p for p, _, _ in SEED_CASES]
    assert stats.accuracy == 0.75
    assert stats.correct == 6
    assert stats.f1_macro == pytest.approx(f1_score(truth, guess, average="macro"))
    assert stats["f1"] == stats.f1_macro
    assert stats.labels == ["account", "billing", "general", "technical"]
    assert stats.confusion_matrix == confusion_matrix(truth, guess, labels=stats.labels).tolist()
    assert stats.per_class["billing"].recall == 0.5
    assert stats.min_class_recall == 0.5


def test_one_label_only_gives_a_one_by_one_matrix_without_a_warning() -> None:
    tracker = accuracy_tracker()
    tracker.record("billing", "billing")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tracker.stats().confusion_matrix == [[1]]


def test_the_worst_class_recall_is_the_minimum_over_labels_that_truly_occur() -> None:
    tracker = accuracy_tracker()
    tracker.record_many(["a", "a", "b", "c"], ["a", "a", "b", "b"])
    stats = tracker.stats()
    assert stats.per_class["b"].recall == 0.5
    assert stats.min_class_recall == 0.5  # "c" never truly occurs, so its recall does not count
    assert stats.min_class_precision == 0.0  # "c" was predicted once, wrongly


labels = st.sampled_from(["billing", "refund", "tech", "sales"])


@settings(derandomize=True, database=None, deadline=None, max_examples=60)
@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=80))
def test_every_averaged_score_equals_scikit_learn(pairs: list[tuple[str, str]]) -> None:
    tracker = accuracy_tracker()
    tracker.record_many([p for p, _ in pairs], [a for _, a in pairs])
    stats = tracker.stats()
    guess, truth = [p for p, _ in pairs], [a for _, a in pairs]
    assert stats.accuracy == pytest.approx(accuracy_score(truth, guess))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about classes only predicted
        assert stats.balanced_accuracy == pytest.approx(balanced_accuracy_score(truth, guess))
    for average in ("macro", "micro", "weighted"):
        kwargs = {"average": average, "zero_division": 0, "labels": stats.labels}
        assert stats[f"f1_{average}"] == pytest.approx(f1_score(truth, guess, **kwargs))
        assert stats[f"precision_{average}"] == pytest.approx(
            precision_score(truth, guess, **kwargs)
        )
        assert stats[f"recall_{average}"] == pytest.approx(recall_score(truth, guess, **kwargs))


def test_record_many_gives_what_one_record_per_prediction_gives() -> None:
    one, many = accuracy_tracker(), accuracy_tracker()
    for predicted, actual, confidence in SEED_CASES:
        one.record(predicted, actual, confidence=confidence)
    many.record_many(
        np.array([p for p, _, _ in SEED_CASES]),
        [a for _, a, _ in SEED_CASES],
        [c for _, _, c in SEED_CASES],
    )
    assert one.stats() == many.stats()


def test_labels_of_one_type_per_series_and_bool_is_not_int() -> None:
    tracker = accuracy_tracker()
    tracker.record(True, True)
    with pytest.raises(ValueError, match="already holds bool labels"):
        tracker.record(1, 1)
    with pytest.raises(ValueError, match="must be a str, int or bool"):
        accuracy_tracker().record(1.5, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("confidence", [-0.1, 1.5, math.nan, "high"])
def test_a_confidence_outside_zero_to_one_is_rejected_at_the_call(confidence: object) -> None:
    with pytest.raises(ValueError, match="confidence"):
        accuracy_tracker().record("a", "a", confidence=confidence)  # type: ignore[arg-type]


def test_record_many_rejects_sequences_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        accuracy_tracker().record_many(["a", "b"], ["a"])


def test_confidence_correlation_is_none_when_it_is_undefined() -> None:
    tracker = accuracy_tracker()
    tracker.record("a", "a", confidence=0.9)
    tracker.record("a", "b", confidence=0.9)
    stats = tracker.stats()
    assert stats.confidence_correlation is None
    assert stats.calibration_error == pytest.approx(abs(0.5 - 0.9))


def test_misclassified_predictions_keep_their_metadata_as_examples() -> None:
    store = ItemStore()
    tracker = AccuracyTracker(store.columns("accuracy", "default", ACCURACY_COLUMNS))
    tracker.record("refund", "billing", query="Invoice issue", confidence=0.7)
    tracker.record("billing", "billing", query="fine")
    series = store.series[("accuracy", "default", ())]
    assert series.examples == [  # type: ignore[union-attr]
        {"predicted": "refund", "actual": "billing", "confidence": 0.7, "query": "Invoice issue"}
    ]


def test_the_seed_interactions_give_its_escalation_definitions() -> None:
    tracker = escalation_tracker()
    for outcome, reason, seconds, attempts in SEED_INTERACTIONS:
        tracker.record(outcome, reason=reason, resolution_time=seconds, attempts=attempts)
    stats = tracker.stats()
    assert stats.escalation_rate == 3 / 8
    assert stats.automation_rate == 4 / 8
    assert stats.fcr_rate == 4 / 8
    assert stats.resolution_time_p95 == 200.0  # nearest rank ceil(0.95 * 8) = 8
    assert stats.resolution_time_mean == pytest.approx(765 / 8)
    assert stats.mean_attempts == 15 / 8
    assert stats.reasons == {
        "complex_issue": 1,
        "customer_unsatisfied": 1,
        "technical_limitation": 1,
        "unknown": 1,
    }
    assert stats.outcome_distribution["resolved_automatically"] == 0.5


def test_first_contact_resolution_needs_one_attempt() -> None:
    tracker = escalation_tracker()
    tracker.record("resolved_automatically", attempts=2)
    tracker.record("resolved_automatically", attempts=1)
    assert tracker.stats().fcr_rate == 0.5
    assert tracker.stats().automation_rate == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "escalated"}, "outcome 'escalated' is not one of"),
        ({"outcome": "resolved_automatically", "reason": "boredom"}, "reason 'boredom'"),
        ({"outcome": "resolved_automatically", "resolution_time": -1}, "resolution_time"),
        ({"outcome": "resolved_automatically", "resolution_time": math.nan}, "resolution_time"),
        ({"outcome": "resolved_automatically", "attempts": 0}, "attempts 0"),
    ],
)
def test_bad_escalation_input_is_a_value_error_at_the_call(
    kwargs: dict[str, object], message: str
) -> None:
    outcome = kwargs.pop("outcome")
    with pytest.raises(ValueError, match=message):
        escalation_tracker().record(outcome, **kwargs)  # type: ignore[arg-type]


def test_custom_metrics_pool_their_labels_and_count_increments() -> None:
    metrics = MetricsRecorder(ItemStore())
    metrics.record("csat", 4.5, channel="chat")
    metrics.record("csat", 4.0, channel="email")
    metrics.increment("retries")
    metrics.increment("retries", by=2)
    assert metrics.stats("csat").mean == 4.25
    assert (metrics.stats("retries").sum, metrics.stats("retries").count) == (3.0, 2)
    assert metrics.stats("unknown").count == 0


def test_tokens_are_priced_per_million_when_the_model_has_a_price() -> None:
    metrics = MetricsRecorder(ItemStore(), {"gpt-4o": TokenPrice(2.5, 10.0)})
    metrics.record_tokens("gpt-4o", input_tokens=1000, output_tokens=500)
    assert metrics.stats("cost_usd").sum == pytest.approx((1000 * 2.5 + 500 * 10.0) / 1e6)
    assert metrics.stats("tokens_total").sum == 1500


def test_tokens_of_an_unpriced_model_warn_that_the_cost_is_missing() -> None:
    metrics = MetricsRecorder(ItemStore(), {"gpt-4o": TokenPrice(2.5, 10.0)})
    with pytest.warns(QAMetricsWarning, match="no price for model 'local'"):
        metrics.record_tokens("local", 10, 10)
    assert metrics.stats("cost_usd").count == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.record("x", math.nan),
        lambda m: m.record("x", math.inf),
        lambda m: m.record("x", "3"),
        lambda m: m.record("", 1.0),
        lambda m: m.record_tokens("gpt", -1, 0),
        lambda m: m.record_tokens("gpt", 1.5, 0),
    ],
)
def test_bad_metric_input_is_a_value_error_at_the_call(
    call: Callable[[MetricsRecorder], None],
) -> None:
    with pytest.raises(ValueError, match=r"must be|tokens >= 0|non-empty"):
        call(MetricsRecorder(ItemStore()))


def test_token_price_lines_are_parsed_and_bad_ones_name_the_line() -> None:
    prices = parse_token_prices(["# comment", "gpt-4o input=2.50 output=10.00"])
    assert prices == {"gpt-4o": TokenPrice(2.5, 10.0)}
    with pytest.raises(ValueError, match="line 2 'bad line'"):
        parse_token_prices(["gpt-4o input=1 output=2", "bad line"])
