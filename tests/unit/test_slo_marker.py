"""specs_from_marker: one SLO spec per threshold key, control keys carried, mistakes explained."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_qametrics.slo.spec import SESSION, SloError, SloSpec, specs_from_marker, suggest

GROUP = "tests/test_api.py::test_checkout"
WHERE = "tests/test_api.py::test_checkout[3]"


def specs(*args: Any, **kwargs: Any) -> list[SloSpec]:
    return specs_from_marker(args, kwargs, GROUP, WHERE)


def test_one_spec_per_threshold_key_in_declaration_order() -> None:
    found = specs(p95=1.0, error_rate=0.01, success_rate="99%")
    assert [(s.statistic, s.comparison, s.threshold) for s in found] == [
        ("p95", "<=", 1.0),
        ("error_rate", "<=", 0.01),
        ("success_rate", ">=", 0.99),
    ]
    assert {s.tracker for s in found} == {"latency"}


def test_operation_none_means_every_operation() -> None:
    (spec,) = specs(p95=1.0, operation=None)
    assert spec.operation is None
    assert spec.target == "latency"


def test_the_default_group_is_the_scope_and_defaults_are_set() -> None:
    (spec,) = specs(p95=1.0)
    assert spec.scope == GROUP
    assert spec.operation is None
    assert spec.min_samples == 1
    assert spec.severity == "fail"
    assert WHERE in spec.declared_at


def test_group_operation_min_samples_and_severity_are_carried_to_every_spec() -> None:
    found = specs(
        p95="<=500ms", p99=2, group="checkout", operation="pay", min_samples=20, severity="warn"
    )
    assert len(found) == 2
    for spec in found:
        assert spec.scope == "checkout"
        assert spec.operation == "pay"
        assert spec.min_samples == 20
        assert spec.severity == "warn"
    assert found[0].target == "latency[operation=pay]"


def test_positional_arguments_are_rejected() -> None:
    with pytest.raises(SloError, match="keyword arguments only") as caught:
        specs(1.0)
    assert WHERE in str(caught.value)


def test_an_unknown_key_suggests_the_transposed_percentile() -> None:
    with pytest.raises(SloError, match="unknown key 'p59'; did you mean 'p95'\\?"):
        specs(p59=1.0)


def test_an_unknown_key_suggests_the_correctly_spelt_rate() -> None:
    with pytest.raises(SloError, match="unknown key 'sucess_rate'; did you mean 'success_rate'"):
        specs(sucess_rate=0.99)


def test_an_unknown_key_names_the_test() -> None:
    with pytest.raises(
        SloError, match=r"@pytest\.mark\.slo on tests/test_api\.py::test_checkout\[3\]"
    ):
        specs(p95=1.0, latency=2.0)


def test_an_unknown_key_far_from_every_key_gets_no_suggestion() -> None:
    with pytest.raises(SloError) as caught:
        specs(zzzzzz=1)
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize("min_samples", [0, -1, True, "5", 2.0, None])
def test_min_samples_must_be_an_int_of_at_least_one(min_samples: object) -> None:
    with pytest.raises(SloError, match="min_samples must be an int >= 1"):
        specs(p95=1.0, min_samples=min_samples)


@pytest.mark.parametrize("severity", ["error", "WARN", "", None, 1])
def test_severity_must_be_fail_or_warn(severity: object) -> None:
    with pytest.raises(SloError, match="severity must be 'fail' or 'warn'"):
        specs(p95=1.0, severity=severity)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        *[("group", value) for value in ("", "   ", 3, None)],
        *[("operation", value) for value in ("", "   ", 3)],
    ],
)
def test_group_and_operation_must_be_non_empty_strings(key: str, value: object) -> None:
    with pytest.raises(SloError, match=f"{key} must be a non-empty str"):
        specs(p95=1.0, **{key: value})


def test_the_session_group_name_is_reserved_for_ini_slos() -> None:
    with pytest.raises(SloError, match="reserved"):
        specs(p95=1.0, group=SESSION)


def test_a_mark_with_only_control_keys_is_rejected() -> None:
    with pytest.raises(SloError, match="names no threshold"):
        specs(operation="checkout", min_samples=5, severity="warn", group="g")


def test_an_empty_mark_is_rejected() -> None:
    with pytest.raises(SloError, match="names no threshold"):
        specs()


def test_a_bad_threshold_is_reported_with_the_test_and_the_statistic() -> None:
    with pytest.raises(SloError, match=r"on tests/test_api\.py::test_checkout\[3\]: p95='5kg'"):
        specs(p95="5kg")


def test_identical_marks_on_two_parametrized_instances_give_equal_specs() -> None:
    first = specs_from_marker((), {"p95": 1.0}, GROUP, f"{GROUP}[0]")
    second = specs_from_marker((), {"p95": 1.0}, GROUP, f"{GROUP}[1]")
    assert first[0].declared_at != second[0].declared_at
    assert first == second
    assert len(dict.fromkeys([*first, *second])) == 1
    assert len({*first, *second}) == 1


def test_specs_that_differ_in_threshold_are_not_deduplicated() -> None:
    assert specs(p95=1.0) != specs(p95=2.0)
    assert specs(p95=1.0) != specs(p95="<1.0")


def test_a_spec_survives_its_wire_form_unchanged() -> None:
    (spec,) = specs(p95="<=500ms", operation="pay", min_samples=3, severity="warn")
    again = SloSpec.from_wire(spec.to_wire())
    assert again == spec
    assert again.declared_at == spec.declared_at


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("p59", "p95"),
        ("p9999", "p999"),
        ("stedv", "stdev"),
        ("sucess_rate", "success_rate"),
        ("eror_rate", "error_rate"),
    ],
)
def test_suggest_finds_the_intended_key(word: str, expected: str) -> None:
    keys = ["p50", "p90", "p95", "p99", "p999", "stdev", "success_rate", "error_rate"]
    assert suggest(word, keys) == expected
