"""The plugin's configuration, read once from options and ini values and validated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pytest_qametrics.digest import DEFAULT_EXACT_CAP
from pytest_qametrics.evaluation import GATES, POLICIES, Gate, Policy
from pytest_qametrics.percentiles import METHODS, PercentileMethod
from pytest_qametrics.slo import SloSpec
from pytest_qametrics.sloline import parse_slo_lines

__all__ = ["Settings", "SettingsError", "read_settings"]

T = TypeVar("T", bound=str)


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names it and the choices."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated plugin settings."""

    gate: Gate
    no_data: Policy
    percentile: PercentileMethod
    exact_cap: int
    session_specs: list[SloSpec]


def _choice(name: str, value: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value.strip().lower() == choice:
            return choice
    raise SettingsError(f"{name} = {value!r} is not valid; choose one of: {', '.join(choices)}")


def read_settings(option: Callable[[str], object], ini: Callable[[str], object]) -> Settings:
    """Build Settings from the command-line option and ini getters of a pytest config."""
    gate_option = option("qametrics_gate")
    gate_name = "--qametrics-gate" if gate_option else "qametrics_gate"
    gate_value = str(gate_option or ini("qametrics_gate") or "enforce")
    slo_lines = ini("qametrics_slo")
    return Settings(
        gate=_choice(gate_name, gate_value, GATES),
        no_data=_choice("qametrics_no_data", str(ini("qametrics_no_data") or "fail"), POLICIES),
        percentile=_choice(
            "qametrics_percentile", str(ini("qametrics_percentile") or "nearest-rank"), METHODS
        ),
        session_specs=parse_slo_lines([str(line) for line in slo_lines or []]),  # type: ignore[attr-defined]
        exact_cap=_positive_int("qametrics_exact_samples", ini("qametrics_exact_samples")),
    )


def _positive_int(name: str, value: object) -> int:
    text = str(value).strip() if value not in (None, "") else str(DEFAULT_EXACT_CAP)
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"{name} = {value!r} is not valid; use a whole number >= 1")
    return number
