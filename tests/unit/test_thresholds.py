"""parse_threshold: default directions, comparison strings, units, errors naming the statistic."""

from __future__ import annotations

import math

import pytest

from pytest_qametrics.slo.catalogue import StatisticInfo, statistic_info
from pytest_qametrics.slo.thresholds import Threshold, ThresholdError, compare, parse_threshold


def info(statistic: str) -> StatisticInfo:
    found = statistic_info("latency", statistic)
    if found is None:
        raise LookupError(statistic)
    return found


@pytest.mark.parametrize(
    ("statistic", "raw", "expected"),
    [
        ("p95", 1.0, Threshold("<=", 1.0)),
        ("p95", 2, Threshold("<=", 2.0)),
        ("mean", 0, Threshold("<=", 0.0)),
        ("success_rate", 0.99, Threshold(">=", 0.99)),
        ("error_rate", 0.01, Threshold("<=", 0.01)),
    ],
)
def test_a_number_takes_the_statistic_default_direction(
    statistic: str, raw: float, expected: Threshold
) -> None:
    assert parse_threshold(raw, info(statistic)) == expected


def test_a_number_threshold_is_always_a_float() -> None:
    assert type(parse_threshold(2, info("p95")).value) is float


@pytest.mark.parametrize(
    ("statistic", "raw", "comparison", "value"),
    [
        ("p95", "<0.5", "<", 0.5),
        ("p95", "<=500ms", "<=", 0.5),
        ("p99", " <= 500 ms ", "<=", 0.5),
        ("p95", "250us", "<=", 250e-6),
        ("p95", "250µs", "<=", 250e-6),
        ("max", "2s", "<=", 2.0),
        ("max", "2", "<=", 2.0),
        ("p50", ">1e-3", ">", 0.001),
        ("p50", ".5s", "<=", 0.5),
        ("success_rate", ">= 0.9", ">=", 0.9),
        ("success_rate", "99.5%", ">=", 0.995),
        ("success_rate", ">99.5%", ">", 0.995),
        ("error_rate", "< 1%", "<", 0.01),
        ("error_rate", "0", "<=", 0.0),
        ("success_rate", "100%", ">=", 1.0),
    ],
)
def test_a_string_states_its_comparison_and_unit(
    statistic: str, raw: str, comparison: str, value: float
) -> None:
    threshold = parse_threshold(raw, info(statistic))
    assert threshold.comparison == comparison
    assert threshold.value == pytest.approx(value, rel=1e-12)


def test_a_string_without_a_comparison_takes_the_default_direction() -> None:
    assert parse_threshold("0.95", info("success_rate")).comparison == ">="
    assert parse_threshold("1s", info("p95")).comparison == "<="


@pytest.mark.parametrize(
    ("statistic", "raw", "message"),
    [
        ("p95", "5kg", "unit 'kg'"),
        ("p95", "5%", "unit '%'"),
        ("success_rate", "5ms", "unit 'ms'"),
        ("error_rate", "1s", "unit 's'"),
        ("p95", "-1", "negative duration"),
        ("p95", -0.5, "negative duration"),
        ("p95", "<=-5ms", "negative duration"),
        ("success_rate", 1.5, r"outside \[0, 1\]"),
        ("success_rate", "150%", r"outside \[0, 1\]"),
        ("error_rate", -0.01, r"outside \[0, 1\]"),
        ("p95", math.nan, "not a finite number"),
        ("p95", math.inf, "not a finite number"),
        ("p95", "1e400", "not a finite number"),
        ("success_rate", math.nan, "not a finite number"),
        ("p95", "nan", "not a threshold"),
        ("p95", "", "not a threshold"),
        ("p95", "fast", "not a threshold"),
        ("p95", "=< 1s", "not a threshold"),
        ("p95", "<= 1s 2s", "not a threshold"),
        ("p95", True, "needs a number"),
        ("success_rate", False, "needs a number"),
        ("p95", None, "needs a number"),
        ("p95", [1.0], "needs a number"),
        ("p95", {"max": 1.0}, "needs a number"),
    ],
)
def test_an_unusable_threshold_raises_an_error_naming_the_statistic(
    statistic: str, raw: object, message: str
) -> None:
    with pytest.raises(ThresholdError, match=message) as caught:
        parse_threshold(raw, info(statistic))
    assert str(caught.value).startswith(statistic)


def test_a_threshold_error_is_a_value_error() -> None:
    assert issubclass(ThresholdError, ValueError)


def test_a_bad_unit_message_says_which_units_a_duration_takes() -> None:
    with pytest.raises(ThresholdError, match="us, ms or s"):
        parse_threshold("5kg", info("p95"))


def test_a_bad_unit_message_says_a_rate_takes_a_percentage_or_a_fraction() -> None:
    with pytest.raises(ThresholdError, match="%"):
        parse_threshold("5ms", info("success_rate"))


@pytest.mark.parametrize(
    ("observed", "comparison", "limit", "holds"),
    [
        (0.5, "<=", 0.5, True),
        (0.5, "<", 0.5, False),
        (0.4, "<", 0.5, True),
        (0.5, ">=", 0.5, True),
        (0.5, ">", 0.5, False),
        (0.6, ">", 0.5, True),
        (0.6, "<=", 0.5, False),
        (0.4, ">=", 0.5, False),
    ],
)
def test_compare_applies_the_comparison_with_its_boundary(
    observed: float, comparison: str, limit: float, holds: bool
) -> None:
    threshold = Threshold(comparison, limit)  # type: ignore[arg-type]
    assert compare(observed, threshold) is holds


@pytest.mark.parametrize("percent", [7, 29, 57, 70, 99.5])
def test_a_rate_exactly_at_a_percentage_threshold_meets_it(percent: float) -> None:
    threshold = parse_threshold(f">={percent}%", info("success_rate"))

    assert threshold.value == percent / 100  # 70 * 0.01 would be 0.7000000000000001
    assert compare(percent / 100, threshold)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1.1ms", 0.0011), ("300us", 0.0003), ("7ms", 0.007)]
)
def test_a_duration_in_ms_or_us_is_the_nearest_double_to_its_seconds(
    text: str, seconds: float
) -> None:
    assert parse_threshold(text, info("p95")).value == seconds
