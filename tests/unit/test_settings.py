"""read_settings: defaults, option over ini, case-insensitive choices, errors naming the setting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_qametrics.settings import Settings, SettingsError, read_settings
from pytest_qametrics.slo.spec import SESSION, SloError


def getter(values: dict[str, object]) -> Callable[[str], object]:
    """A stand-in for config.getoption / config.getini: None for anything not set."""
    return values.get


def settings_from(
    options: dict[str, object] | None = None, ini: dict[str, object] | None = None
) -> Settings:
    return read_settings(getter(options or {}), getter(ini or {}))


def test_nothing_configured_gives_enforce_fail_and_nearest_rank() -> None:
    settings = settings_from()
    assert settings.gate == "enforce"
    assert settings.no_data == "fail"
    assert settings.percentile == "nearest-rank"
    assert settings.session_specs == []


def test_pytest_style_empty_ini_values_also_give_the_defaults() -> None:
    settings = settings_from(
        {"qametrics_gate": None},
        {"qametrics_gate": "", "qametrics_no_data": "", "qametrics_slo": []},
    )
    assert (settings.gate, settings.no_data, settings.percentile) == (
        "enforce",
        "fail",
        "nearest-rank",
    )


def test_ini_values_are_used_when_no_option_is_given() -> None:
    settings = settings_from(
        ini={
            "qametrics_gate": "warn",
            "qametrics_no_data": "pass",
            "qametrics_percentile": "linear",
        }
    )
    assert (settings.gate, settings.no_data, settings.percentile) == ("warn", "pass", "linear")


def test_the_command_line_gate_overrides_the_ini_gate() -> None:
    settings = settings_from({"qametrics_gate": "off"}, {"qametrics_gate": "warn"})
    assert settings.gate == "off"


@pytest.mark.parametrize("raw", ["WARN", " Warn ", "warn"])
def test_choices_are_case_and_space_insensitive(raw: str) -> None:
    settings = settings_from(
        ini={"qametrics_gate": raw, "qametrics_no_data": raw, "qametrics_percentile": "Linear"}
    )
    assert (settings.gate, settings.no_data, settings.percentile) == ("warn", "warn", "linear")


@pytest.mark.parametrize(
    ("options", "ini", "name", "choices"),
    [
        ({}, {"qametrics_gate": "strict"}, "qametrics_gate", "enforce, warn, off"),
        ({"qametrics_gate": "strict"}, {}, "--qametrics-gate", "enforce, warn, off"),
        ({}, {"qametrics_no_data": "ignore"}, "qametrics_no_data", "fail, warn, pass"),
        ({}, {"qametrics_percentile": "nearest"}, "qametrics_percentile", "nearest-rank, linear"),
    ],
)
def test_an_invalid_choice_names_the_setting_and_lists_the_choices(
    options: dict[str, object], ini: dict[str, object], name: str, choices: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from(options, ini)
    text = str(caught.value)
    assert text.startswith(f"{name} = ")
    assert f"choose one of: {choices}" in text


def test_ini_slo_lines_become_session_specs() -> None:
    settings = settings_from(
        ini={"qametrics_slo": ["# budget", "latency.p95 <= 500ms", "latency.error_rate <= 1%"]}
    )
    assert [(s.scope, s.statistic) for s in settings.session_specs] == [
        (SESSION, "p95"),
        (SESSION, "error_rate"),
    ]


def test_a_bad_ini_slo_line_raises_an_slo_error_naming_the_line() -> None:
    with pytest.raises(SloError, match="qametrics_slo line 1"):
        settings_from(ini={"qametrics_slo": ["latency.p59 <= 1s"]})


def test_a_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)
