"""What to export and where, parsed and checked at start-up: ``${NAME}`` secrets, alert lines."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pytest_qametrics.export.redact import Redactor, shown_url, url_secrets

__all__ = [
    "ALERT_KINDS",
    "FAILURE_POLICIES",
    "PAGERDUTY_EVENTS_URL",
    "AlertTarget",
    "ExportConfig",
    "ExportConfigError",
    "PushTarget",
    "expand",
    "parse_alert_line",
    "read_export_config",
]

AlertKind = Literal["slack", "pagerduty", "webhook"]
FailurePolicy = Literal["warn", "fail"]
ALERT_KINDS: tuple[AlertKind, ...] = ("slack", "pagerduty", "webhook")
FAILURE_POLICIES: tuple[FailurePolicy, ...] = ("warn", "fail")
#: The run states an alert can be sent on (``on=``): the worst SLO counted as fail, warn, or none.
ALERT_STATES = ("fail", "warn", "pass")
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_KEYS = {"slack": {"on"}, "webhook": {"on"}, "pagerduty": {"on", "severity", "url"}}


class ExportConfigError(ValueError):
    """An export setting that cannot be used; the message names it and what would be right."""


@dataclass(frozen=True, slots=True)
class PushTarget:
    """A Pushgateway, the job and the grouping labels every push of this run replaces."""

    url: str = field(repr=False)
    shown: str
    job: str
    labels: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class AlertTarget:
    """One ``qametrics_alert`` line: where to send, on which run states, and how."""

    kind: AlertKind
    destination: str = field(repr=False)  # the webhook URL or the PagerDuty routing key
    shown: str
    on: frozenset[str] = frozenset({"fail"})
    severity: str = "critical"
    url: str = field(default="", repr=False)  # where PagerDuty events go
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class ExportConfig:
    """Every export of a run; the defaults export nothing."""

    prometheus: str = ""
    pushgateway: PushTarget | None = None
    alerts: tuple[AlertTarget, ...] = ()
    dry_run: bool = False
    timeout: float = 10.0
    failure: FailurePolicy = "warn"
    max_label_values: int = 200
    #: qametrics_push_job: the Pushgateway job and the project alerts name ("": the rootdir's).
    project: str = ""

    @property
    def redactor(self) -> Redactor:
        """Scrubs every secret of every target."""
        push = self.pushgateway.secrets if self.pushgateway else ()
        return Redactor([*push, *(s for a in self.alerts for s in a.secrets)])


def expand(text: str, environ: Mapping[str, str], where: str) -> tuple[str, list[str]]:
    """``text`` with every ``${NAME}`` replaced from ``environ``; also the values used."""
    used: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not environ.get(name):
            raise ExportConfigError(
                f"{where}: the environment variable {name} is not set (or empty); "
                f"set it before running, or remove the setting"
            )
        used.append(environ[name])
        return environ[name]

    return _VARIABLE.sub(value, text), used


def _url(value: str, where: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ExportConfigError(
            f"{where}: {shown_url(value) if '://' in value else 'the value'} is not an "
            f"http:// or https:// URL"
        )
    return value


def _options(words: list[str], kind: AlertKind, where: str) -> dict[str, str]:
    options = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in _KEYS[kind]:
            raise ExportConfigError(
                f"{where}: {word!r} is not an option of a {kind} alert; "
                f"use {', '.join(sorted(k + '=...' for k in _KEYS[kind]))}"
            )
        options[key] = value
    return options


def _states(text: str, where: str) -> frozenset[str]:
    states = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not states or not states <= set(ALERT_STATES):
        raise ExportConfigError(
            f"{where}: on={text!r} is not valid; give a comma-separated subset of "
            f"{','.join(ALERT_STATES)}"
        )
    return states


def parse_alert_line(line: str, number: int, environ: Mapping[str, str]) -> AlertTarget:
    """Parse ``slack ${SLACK_WEBHOOK_URL} on=fail,warn`` and its kin (see the README)."""
    where = f"qametrics_alert line {number} ({line.split()[0] if line.split() else ''!s})"
    words = line.split()
    if len(words) < 2 or words[0] not in ALERT_KINDS:
        raise ExportConfigError(
            f"qametrics_alert line {number}: write '<kind> <destination> [options]' with kind "
            f"one of {', '.join(ALERT_KINDS)}, e.g. 'slack ${{SLACK_WEBHOOK_URL}} on=fail,warn'"
        )
    kind: AlertKind = words[0]
    raw = words[1]
    if kind != "webhook" and not _VARIABLE.fullmatch(raw):
        example = "PD_ROUTING_KEY" if kind == "pagerduty" else "SLACK_WEBHOOK_URL"
        raise ExportConfigError(
            f"{where}: the {kind} destination is a secret; put it in an environment "
            f"variable and write its name, e.g. ${{{example}}}"
        )
    destination, used = expand(raw, environ, where)
    options = _options(words[2:], kind, where)
    secrets = [*used, *(url_secrets(destination) if kind != "pagerduty" else [destination])]
    shown = f"{kind} {raw}" if _VARIABLE.search(raw) else f"{kind} {shown_url(destination)}"
    if kind != "pagerduty":
        _url(destination, where)
    severity = options.get("severity", "critical")
    if severity not in PAGERDUTY_SEVERITIES:
        raise ExportConfigError(
            f"{where}: severity={severity!r} is not valid; use one of "
            f"{', '.join(PAGERDUTY_SEVERITIES)}"
        )
    events = _url(options.get("url", PAGERDUTY_EVENTS_URL), where)
    return AlertTarget(
        kind=kind,
        destination=destination,
        shown=shown,
        on=_states(options.get("on", "fail"), where),
        severity=severity,
        url=events,
        secrets=tuple(secrets),
    )


def _push_target(
    url: str, job: str, labels: Sequence[str], environ: Mapping[str, str]
) -> PushTarget:
    where = "qametrics_pushgateway"
    expanded, used = expand(url.strip(), environ, where)
    _url(expanded, where)
    pairs = []
    for word in labels:
        name, sep, value = word.partition("=")
        if not sep or not _LABEL_NAME.match(name) or name == "job" or name.startswith("__"):
            raise ExportConfigError(
                f"qametrics_push_labels: {word!r} is not a grouping label; write name=value "
                f"with a Prometheus label name other than job, e.g. branch=${{GITHUB_REF_NAME}}"
            )
        text, _ = expand(value, environ, f"qametrics_push_labels ({name})")
        pairs.append((name, text))
    shown = f"pushgateway {url.strip()}" if used else f"pushgateway {shown_url(expanded)}"
    return PushTarget(expanded, shown, job, tuple(pairs), (*used, *url_secrets(expanded)))


def _number(name: str, text: str, default: float, whole: bool) -> float:
    try:
        number = float(text) if text.strip() else float(default)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0) or (whole and not number.is_integer()):
        kind = "a whole number >= 1" if whole else "a number of seconds > 0"
        raise ExportConfigError(f"{name} = {text!r} is not valid; use {kind}")
    return number


def read_export_config(values: Mapping[str, object], environ: Mapping[str, str]) -> ExportConfig:
    """Build the config from the raw setting values (keys are the ini names without prefix)."""
    failure = str(values.get("export_failure") or "warn").strip().lower()
    if failure not in FAILURE_POLICIES:
        raise ExportConfigError(
            f"qametrics_export_failure = {failure!r} is not valid; choose warn or fail"
        )
    gateway = str(values.get("pushgateway") or "")
    labels = [str(word) for word in values.get("push_labels") or []]  # type: ignore[attr-defined]
    lines = [str(line) for line in values.get("alert") or [] if str(line).strip()]  # type: ignore[attr-defined]
    prometheus, _ = expand(str(values.get("prometheus") or ""), environ, "qametrics_prometheus")
    return ExportConfig(
        project=str(values.get("push_job") or "").strip(),
        prometheus=prometheus.strip(),
        pushgateway=_push_target(gateway, str(values.get("push_job") or ""), labels, environ)
        if gateway.strip()
        else None,
        alerts=tuple(parse_alert_line(line, n, environ) for n, line in enumerate(lines, 1)),
        dry_run=bool(values.get("alert_dry_run")),
        timeout=_number(
            "qametrics_export_timeout", str(values.get("export_timeout") or ""), 10.0, False
        ),
        failure=failure,
        max_label_values=int(
            _number(
                "qametrics_export_max_label_values",
                str(values.get("export_max_label_values") or ""),
                200,
                True,
            )
        ),
    )
