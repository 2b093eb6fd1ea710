"""The plugin's configuration, read once from options and ini values and validated."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pytest_qametrics.choices import (
    DEFAULT_EXACT_CAP,
    DEFAULT_FORMATS,
    FORMATS,
    GATES,
    METHODS,
    POLICIES,
    Gate,
    PercentileMethod,
    Policy,
)
from pytest_qametrics.export.config import ExportConfig, ExportConfigError, read_export_config
from pytest_qametrics.slo.lines import parse_slo_lines
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.trackers.prices import TokenPrice, parse_token_prices

__all__ = [
    "RERUN_SAMPLES",
    "RerunSamples",
    "Settings",
    "SettingsError",
    "formats_from",
    "read_settings",
]

#: Which attempts of a test rerun by pytest-rerunfailures count: the final one, or all.
RerunSamples = Literal["final", "all"]
RERUN_SAMPLES: tuple[RerunSamples, ...] = ("final", "all")

T = TypeVar("T", bound=str)
_DIR = "qametrics-report"


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names it and the choices."""


#: The largest qametrics_exact_samples: samples kept exactly per series before folding (8 bytes
#: each, so 1e9 is 8 GB per series; larger is surely a typo).
MAX_EXACT_CAP = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated plugin settings."""

    gate: Gate
    no_data: Policy
    percentile: PercentileMethod
    exact_cap: int
    session_specs: list[SloSpec]
    report: bool = False
    #: The report directory as written; relative to the invocation directory as an option (or
    #: the default), to the rootdir from the ini file, like every ini path of the plugin.
    report_dir: str = "qametrics-report"
    report_dir_in_ini: bool = False
    formats: tuple[str, ...] = ("html", "json", "csv")
    token_prices: dict[str, TokenPrice] = field(default_factory=dict)
    inconclusive: Policy = "warn"
    #: The history file and the baseline, as written; each relative to the invocation
    #: directory when given as an option, to the rootdir when from the ini file.
    history: str = ""
    history_in_ini: bool = False
    baseline: str = ""
    baseline_in_ini: bool = False
    #: Prometheus textfile, Pushgateway and alert webhooks (secrets already read from the env).
    export: ExportConfig = field(default_factory=ExportConfig)
    #: The samples of a test that pytest-rerunfailures ran again: only its final attempt's
    #: ("final"), or every attempt's ("all").
    rerun_samples: RerunSamples = "final"
    #: Trials per case of evals functions without trials= (None: one).
    trials: int | None = None
    #: The session's cost budget in USD (None: no budget).
    budget_usd: float | None = None


def _choice(name: str, value: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value.strip().lower() == choice:
            return choice
    raise SettingsError(f"{name} = {value!r} is not valid; choose one of: {', '.join(choices)}")


def read_settings(
    option: Callable[[str], object],
    ini: Callable[[str], object],
    environ: Mapping[str, str] | None = None,
) -> Settings:
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
        report=bool(option("qametrics_report")),
        report_dir=str(option("qametrics_report_dir") or ini("qametrics_report_dir") or _DIR),
        report_dir_in_ini=not option("qametrics_report_dir") and bool(ini("qametrics_report_dir")),
        formats=formats_from(option("qametrics_formats") or ini("qametrics_formats")),
        token_prices=_prices(ini("qametrics_token_prices")),
        inconclusive=_choice(
            "qametrics_inconclusive", str(ini("qametrics_inconclusive") or "warn"), POLICIES
        ),
        history=str(option("qametrics_history") or ini("qametrics_history") or "").strip(),
        history_in_ini=not option("qametrics_history") and bool(ini("qametrics_history")),
        baseline=str(option("qametrics_baseline") or ini("qametrics_baseline") or "").strip(),
        baseline_in_ini=not option("qametrics_baseline") and bool(ini("qametrics_baseline")),
        export=_export(option, ini, os.environ if environ is None else environ),
        rerun_samples=_choice(
            "qametrics_rerun_samples", str(ini("qametrics_rerun_samples") or "final"), RERUN_SAMPLES
        ),
        trials=_optional_int("qametrics_trials", ini("qametrics_trials"), MAX_TRIALS),
        budget_usd=_budget(ini("qametrics_budget_usd")),
    )


def _export(
    option: Callable[[str], object], ini: Callable[[str], object], environ: Mapping[str, str]
) -> ExportConfig:
    values = {
        "prometheus": option("qametrics_prometheus") or ini("qametrics_prometheus"),
        "pushgateway": option("qametrics_pushgateway") or ini("qametrics_pushgateway"),
        "push_job": ini("qametrics_push_job"),
        "push_labels": ini("qametrics_push_labels"),
        "alert": ini("qametrics_alert"),
        "alert_dry_run": option("qametrics_alert_dry_run"),
        "export_timeout": ini("qametrics_export_timeout"),
        "export_failure": ini("qametrics_export_failure"),
        "export_max_label_values": ini("qametrics_export_max_label_values"),
    }
    try:
        return read_export_config(values, environ)
    except ExportConfigError as err:
        raise SettingsError(str(err)) from None


def _prices(lines: object) -> dict[str, TokenPrice]:
    try:
        return parse_token_prices([str(line) for line in lines or []])  # type: ignore[attr-defined]
    except ValueError as err:
        raise SettingsError(str(err)) from None


def formats_from(value: object) -> tuple[str, ...]:
    """Parse a comma-separated list of report formats."""
    text = str(value or ",".join(DEFAULT_FORMATS))
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise SettingsError(
            f"qametrics formats {text!r} are not valid; give a comma-separated subset of "
            f"{','.join(FORMATS)}"
        )
    return tuple(dict.fromkeys(names))


def _positive_int(name: str, value: object) -> int:
    text = str(value).strip() if value not in (None, "") else str(DEFAULT_EXACT_CAP)
    number = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= number <= MAX_EXACT_CAP:
        raise SettingsError(
            f"{name} = {value!r} is not valid; use a whole number from 1 to {MAX_EXACT_CAP:,}"
        )
    return number


#: The largest qametrics_trials (each trial is a test item).
MAX_TRIALS = 100_000


def _optional_int(name: str, value: object, largest: int) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    number = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= number <= largest:
        raise SettingsError(
            f"{name} = {value!r} is not valid; use a whole number from 1 to {largest:,}"
        )
    return number


def _budget(value: object) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text) if text.isascii() else math.nan
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise SettingsError(
            f"qametrics_budget_usd = {value!r} is not valid; use an amount in USD above 0, "
            f"e.g. 5.00"
        )
    return number
