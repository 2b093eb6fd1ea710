"""Regression keys on marks and ini lines: tolerances, relative or absolute, mistakes explained."""

from __future__ import annotations

import pytest

from pytest_qametrics.slo.catalogue import regression_base, statistic_info, worse_when_higher
from pytest_qametrics.slo.lines import parse_slo_line
from pytest_qametrics.slo.spec import SloError, SloSpec, specs_from_marker
from pytest_qametrics.slo.thresholds import Threshold, ThresholdError, parse_threshold

GROUP = "tests/test_api.py::test_checkout"


def spec(**kwargs: object) -> SloSpec:
    (found,) = specs_from_marker((), kwargs, GROUP, GROUP)
    return found


def test_a_percentage_on_a_latency_regression_key_is_relative_to_the_baseline() -> None:
    found = spec(p95_regression="10%")
    assert (found.tracker, found.statistic, found.comparison) == ("latency", "p95_regression", "<=")
    assert found.threshold == pytest.approx(0.10)
    assert found.relative


@pytest.mark.parametrize(("raw", "seconds"), [("50ms", 0.05), (0.05, 0.05), ("<=2s", 2.0)])
def test_a_duration_or_a_number_on_a_latency_regression_key_is_absolute_seconds(
    raw: object, seconds: float
) -> None:
    found = spec(mean_regression=raw)
    assert found.threshold == pytest.approx(seconds)
    assert not found.relative


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("accuracy_regression", 0.02, 0.02),
        ("f1_macro_regression", "2%", 0.02),
        ("escalation_rate_regression", "3pp", 0.03),
        ("error_rate_regression", 0.01, 0.01),
        ("success_rate_regression", "0.5%", 0.005),
    ],
)
def test_a_rate_regression_key_is_an_absolute_change_in_points(
    key: str, raw: object, value: float
) -> None:
    found = spec(**{key: raw})
    assert found.threshold == pytest.approx(value)
    assert not found.relative


def test_each_regression_key_names_the_statistic_it_compares_and_which_way_is_worse() -> None:
    assert regression_base("p95_regression") == "p95"
    assert regression_base("p95") is None
    assert worse_when_higher("latency", "p95")
    assert worse_when_higher("escalation", "escalation_rate")
    assert not worse_when_higher("accuracy", "f1_macro")
    assert not worse_when_higher("latency", "success_rate")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5%", "is negative; a tolerance is how much worse"),
        (">=10%", "takes a tolerance such as '10%', not '>='"),
        ("10 pp", "takes % (relative to the baseline) or us, ms, s"),
    ],
)
def test_an_unusable_latency_tolerance_says_what_would_be_right(raw: str, message: str) -> None:
    info = statistic_info("latency", "p95_regression")
    assert info is not None
    with pytest.raises(ThresholdError, match="p95_regression") as caught:
        parse_threshold(raw, info)
    assert message in str(caught.value)


def test_a_rate_tolerance_above_one_is_rejected() -> None:
    with pytest.raises(SloError, match="outside \\[0, 1\\]; a rate tolerance is an absolute"):
        spec(accuracy_regression=2)


def test_an_unknown_regression_key_suggests_the_closest_one() -> None:
    with pytest.raises(
        SloError, match="unknown key 'p59_regression'; did you mean 'p95_regression'"
    ):
        spec(p59_regression="10%")


def test_the_old_suggestions_still_find_the_plain_statistic() -> None:
    with pytest.raises(SloError, match="did you mean 'p95'\\?"):
        spec(p59=1.0)


def test_confidence_on_a_regression_key_is_its_significance_level() -> None:
    found = spec(p99_regression="20%", confidence=0.99)
    assert found.confidence == 0.99


def test_regression_keys_of_other_trackers_cannot_take_operation() -> None:
    with pytest.raises(SloError, match="operation= selects latency samples"):
        spec(accuracy_regression=0.02, operation="checkout")


def test_an_ini_line_takes_a_regression_key_with_its_tolerance() -> None:
    found = parse_slo_line("latency[operation=checkout].p95_regression <= 10%", "line 1")
    assert (found.statistic, found.operation, found.relative) == (
        "p95_regression",
        "checkout",
        True,
    )
    assert found.threshold_spec == Threshold("<=", found.threshold, relative=True)
    rate = parse_slo_line("accuracy.f1_macro_regression <= 0.02 confidence=0.9", "line 2")
    assert (rate.threshold, rate.confidence, rate.relative) == (0.02, 0.9, False)


def test_an_ini_line_with_an_unknown_regression_statistic_suggests_one() -> None:
    with pytest.raises(SloError, match="did you mean 'escalation_rate_regression'"):
        parse_slo_line("escalation.escalaton_rate_regression <= 0.03", "line 1")


def test_a_spec_keeps_relative_across_the_xdist_wire() -> None:
    found = spec(p95_regression="10%")
    assert SloSpec.from_wire(found.to_wire()) == found
    assert SloSpec.from_wire(found.to_wire()).relative
