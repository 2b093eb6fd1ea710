"""SLO specifications: what is judged, against which threshold, over which population."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pytest_qametrics.slo.catalogue import (
    RELIABILITY,
    TRACKERS,
    Comparison,
    statistic_info,
    supports_confidence,
    tracker_of_key,
)
from pytest_qametrics.slo.thresholds import Threshold, ThresholdError, parse_threshold

__all__ = [
    "CONTROL_KEYS",
    "GROUP_KEYS",
    "SESSION",
    "GroupControls",
    "SloError",
    "SloSpec",
    "did_you_mean",
    "group_controls",
    "specs_from_marker",
    "suggest",
]

Severity = Literal["fail", "warn"]
#: The scope name of SLOs declared in the ini file: the whole session's samples.
SESSION = "session"
#: Marker keywords that are not thresholds.
CONTROL_KEYS = (
    "operation",
    "metric",
    "group",
    "min_samples",
    "severity",
    "confidence",
    "per",
    "k",
    "stop_early",
    "trials",
    "budget_usd",
)
#: Control keys about how a test function runs rather than about one SLO.
GROUP_KEYS = ("trials", "budget_usd")
#: Reliability keys that take ``k=``: the number of tries the chance is about.
K_KEYS = ("pass_at_k", "pass_hat_k")
#: Accuracy statistics that have a per-class value (``per="class"``).
PER_CLASS = ("accuracy", "recall", "precision", "f1")


class SloError(ValueError):
    """An SLO declaration that cannot be used; the message names it and says what is right."""


@dataclass(frozen=True, slots=True)
class SloSpec:
    """One threshold on one statistic, judged over the samples of ``scope``.

    ``scope`` is a group name (by default the test function's node id) or ``"session"``.
    ``declared_at`` says where it was written and does not take part in equality, so the
    same mark seen on 200 parametrized instances is one SLO.
    """

    scope: str
    tracker: str
    statistic: str
    comparison: Comparison
    threshold: float
    operation: str | None = None
    metric: str | None = None
    min_samples: int = 1
    severity: Severity = "fail"
    confidence: float | None = None
    #: ``operation``, a tag name, or ``class``: judge each slice of the samples on its own.
    per: str | None = None
    #: A regression key's tolerance is a fraction of the baseline value ("10%"), not seconds.
    relative: bool = False
    #: The number of tries of ``pass_at_k`` / ``pass_hat_k``.
    k: int | None = None
    #: Decide (and skip the group's remaining trials) once a confidence sequence is settled.
    stop_early: bool = False
    declared_at: str = field(default="", compare=False)

    @property
    def threshold_spec(self) -> Threshold:
        """The comparison and value as a Threshold."""
        return Threshold(self.comparison, self.threshold, self.relative)

    @property
    def name(self) -> str:
        """The statistic as written, with its ``k``: ``pass_hat_k`` with k=4 is ``pass^4``."""
        if self.k is None:
            return self.statistic
        return f"pass@{self.k}" if self.statistic == "pass_at_k" else f"pass^{self.k}"

    @property
    def target(self) -> str:
        """The population in words, e.g. ``latency[operation=checkout]``."""
        if self.metric:
            return f"metric[name={self.metric}]"
        return f"{self.tracker}[operation={self.operation}]" if self.operation else self.tracker

    def to_wire(self) -> dict[str, Any]:
        """Return the spec as exact builtins for the xdist wire."""
        return {
            "scope": self.scope,
            "tracker": self.tracker,
            "statistic": self.statistic,
            "comparison": self.comparison,
            "threshold": self.threshold,
            "operation": self.operation,
            "metric": self.metric,
            "min_samples": self.min_samples,
            "severity": self.severity,
            "confidence": self.confidence,
            "per": self.per,
            "relative": self.relative,
            "k": self.k,
            "stop_early": self.stop_early,
            "declared_at": self.declared_at,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SloSpec:
        """Rebuild a spec sent by :meth:`to_wire`."""
        return cls(**data)


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to a misspelt ``word`` (transpositions first), if any."""
    options = list(choices)
    same_letters = [c for c in options if sorted(c) == sorted(word)]
    if same_letters:
        return same_letters[0]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or an empty string."""
    guess = suggest(word, choices)
    return f"; did you mean {guess!r}?" if guess else ""


def all_keys() -> list[str]:
    """Every keyword a ``slo`` mark accepts without ``metric=``."""
    keys = (k for name, table in TRACKERS.items() if name != "metric" for k in table)
    return [*CONTROL_KEYS, *keys]


def check_min_samples(value: object, where: str) -> int:
    """Validate a ``min_samples`` value."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SloError(f"{where}: min_samples must be an int >= 1, not {value!r}")
    return value


def check_severity(value: object, where: str) -> Severity:
    """Validate a ``severity`` value."""
    if value not in ("fail", "warn"):
        raise SloError(f"{where}: severity must be 'fail' or 'warn', not {value!r}")
    return value


def check_confidence(value: object, where: str) -> float | None:
    """Validate a ``confidence`` value: None, or a probability in (0.5, 1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.5 < value < 1:
        raise SloError(
            f"{where}: confidence must be a number between 0.5 and 1 such as 0.95, not {value!r}"
        )
    return float(value)


def check_interval_exists(statistic: str, confidence: float | None, where: str) -> None:
    """Reject ``confidence=`` on statistics with no meaningful interval (max, min, sum...)."""
    if confidence is not None and statistic == "flaky_cases":
        raise SloError(
            f"{where}: flaky_cases is a count of cases that both passed and failed, with no "
            f"confidence interval; put it in an slo mark of its own, without confidence="
        )
    if confidence is not None and not supports_confidence(statistic):
        raise SloError(
            f"{where}: {statistic} has no meaningful confidence interval (an extreme or a total "
            f"only grows with more samples); drop confidence= or use a percentile such as p99"
        )


def check_per(
    tracker: str,
    statistic: str,
    per: str | None,
    operation: str | None,
    confidence: float | None,
    where: str,
) -> None:
    """Validate ``per=``: operation or a tag for latency, a tag for metrics, class for accuracy."""
    if per is None:
        return
    if per == "class":
        if tracker != "accuracy" or statistic not in PER_CLASS:
            raise SloError(
                f"{where}: per='class' judges each label on its own and goes with "
                f"{', '.join(PER_CLASS)}, not {statistic}"
            )
        if confidence is not None and statistic == "f1":
            raise SloError(f"{where}: per-class f1 has no confidence interval; use recall")
        return
    if tracker not in ("latency", "metric"):
        raise SloError(
            f"{where}: per={per!r} slices latency or custom metrics by a tag; "
            f"for accuracy use per='class'"
        )
    if per == "operation" and (tracker != "latency" or operation is not None):
        raise SloError(f"{where}: per='operation' goes with latency keys and no operation=")


def check_count(key: str, value: object, where: str, example: str) -> int | None:
    """Validate an optional int >= 1 such as ``k`` or ``trials``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SloError(f"{where}: {key} must be an int >= 1 such as {example}, not {value!r}")
    return value


def check_reliability(
    keys: Iterable[str], k: int | None, stop_early: object, confidence: float | None, where: str
) -> None:
    """``k=`` goes with pass_at_k / pass_hat_k (which need it); ``stop_early=True`` with a
    reliability key and ``confidence=``."""
    keys = list(keys)
    wanting = [key for key in keys if key in K_KEYS]
    if wanting and k is None:
        raise SloError(
            f"{where}: {wanting[0]} is the chance over k tries, so it needs k=, "
            f"e.g. slo({wanting[0]}=0.7, k=4)"
        )
    if k is not None and not wanting:
        raise SloError(f"{where}: k={k} goes with pass_at_k or pass_hat_k, which this mark lacks")
    if not isinstance(stop_early, bool):
        raise SloError(f"{where}: stop_early must be True or False, not {stop_early!r}")
    if stop_early and not any(key in RELIABILITY for key in keys):
        raise SloError(
            f"{where}: stop_early=True decides pass_rate, pass_at_k or pass_hat_k early; "
            f"this mark has none of them"
        )
    if stop_early and confidence is None:
        raise SloError(
            f"{where}: stop_early=True needs confidence= (e.g. confidence=0.95): early "
            f"stopping decides once a confidence sequence at that level is settled"
        )


@dataclass(frozen=True, slots=True)
class GroupControls:
    """How a test function runs: its trials per case and its cost budget in USD."""

    trials: int | None = None
    budget_usd: float | None = None


def group_controls(kwargs: Mapping[str, Any], where: str) -> GroupControls:
    """Validate the ``trials=`` and ``budget_usd=`` of one ``slo`` mark."""
    where = f"@pytest.mark.slo on {where}"
    trials = check_count("trials", kwargs.get("trials"), where, "trials=8")
    k = kwargs.get("k")
    if trials is not None and isinstance(k, int) and k > trials:
        raise SloError(
            f"{where}: k={k} tries cannot be judged on trials={trials}; "
            f"run at least k trials per case (trials={k} or more)"
        )
    budget = kwargs.get("budget_usd")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
            raise SloError(f"{where}: budget_usd must be a number > 0 such as 5.0, not {budget!r}")
        if budget == float("inf"):
            raise SloError(f"{where}: budget_usd must be finite, not {budget!r}")
        budget = float(budget)
    return GroupControls(trials, budget)


def check_name(key: str, value: object, where: str) -> str:
    """Validate a non-empty string option such as ``operation`` or ``group``."""
    if not isinstance(value, str) or not value.strip():
        raise SloError(f"{where}: {key} must be a non-empty str, not {value!r}")
    return value


def specs_from_marker(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], default_group: str, where: str
) -> list[SloSpec]:
    """Validate one ``@pytest.mark.slo(...)`` and return one spec per threshold key."""
    where = f"@pytest.mark.slo on {where}"
    if args:
        raise SloError(f"{where}: takes keyword arguments only, e.g. slo(p95=1.0), not {args!r}")
    metric = kwargs.get("metric")
    custom = metric is not None
    unknown = [k for k in kwargs if k not in CONTROL_KEYS and tracker_of_key(k, custom) is None]
    if unknown:
        key = unknown[0]
        choices = [*CONTROL_KEYS, *TRACKERS["metric"]] if custom else all_keys()
        raise SloError(f"{where}: unknown key {key!r}{did_you_mean(key, choices)}")
    thresholds = {k: v for k, v in kwargs.items() if k not in CONTROL_KEYS}
    if not thresholds:
        if any(key in GROUP_KEYS for key in kwargs):
            return []  # slo(trials=8) alone sets how the function runs
        raise SloError(f"{where}: names no threshold; add one such as p95=1.0 or error_rate=0.01")
    operation = kwargs.get("operation")
    if operation is not None and any(tracker_of_key(k, custom) != "latency" for k in thresholds):
        raise SloError(
            f"{where}: operation= selects latency samples, so it goes only with latency keys "
            f"such as p95=; put other keys in their own slo mark"
        )
    scope = check_name("group", kwargs.get("group", default_group), where)
    if scope == SESSION:
        raise SloError(
            f"{where}: group={SESSION!r} is reserved for the qametrics_slo ini SLOs of the "
            f"whole session; choose another group name"
        )
    common: dict[str, Any] = {
        "scope": scope,
        "operation": None if operation is None else check_name("operation", operation, where),
        "metric": None if metric is None else check_name("metric", metric, where),
        "min_samples": check_min_samples(kwargs.get("min_samples", 1), where),
        "severity": check_severity(kwargs.get("severity", "fail"), where),
        "confidence": check_confidence(kwargs.get("confidence"), where),
        "per": None if kwargs.get("per") is None else check_name("per", kwargs["per"], where),
        "declared_at": where,
    }
    k = check_count("k", kwargs.get("k"), where, "k=4")
    stop_early = kwargs.get("stop_early", False)
    check_reliability(thresholds, k, stop_early, common["confidence"], where)
    return [
        _spec(key, raw, common, where, k if key in K_KEYS else None, stop_early)
        for key, raw in thresholds.items()
    ]


def _spec(
    key: str,
    raw: object,
    common: dict[str, Any],
    where: str,
    k: int | None = None,
    stop_early: bool = False,
) -> SloSpec:
    tracker = tracker_of_key(key, common["metric"] is not None)
    info = statistic_info(tracker, key) if tracker else None
    if tracker is None or info is None:  # pragma: no cover - filtered by the caller
        raise SloError(f"{where}: unknown key {key!r}")
    try:
        threshold = parse_threshold(raw, info)
    except ThresholdError as err:
        raise SloError(f"{where}: {err}") from None
    check_interval_exists(key, common["confidence"], where)
    check_per(tracker, key, common["per"], common["operation"], common["confidence"], where)
    early = stop_early and key in RELIABILITY
    if early and not 0.0 < threshold.value < 1.0:
        raise SloError(
            f"{where}: stop_early=True needs a {key} threshold strictly between 0 and 1 "
            f"(a sequence can never show a rate above 1 or below 0), not {threshold.value}"
        )
    return SloSpec(
        tracker=tracker,
        statistic=key,
        comparison=threshold.comparison,
        threshold=threshold.value,
        relative=threshold.relative,
        k=k,
        stop_early=early,
        **common,
    )


def spec_from_data(data: object, where: str) -> SloSpec:
    """Rebuild a spec from a file someone else wrote (a data artifact), checking every field
    as a mark's would be checked; a SloError names ``where`` and the field."""
    if not isinstance(data, Mapping):
        raise SloError(f"{where}: an SLO must be an object, not {type(data).__name__}")
    unknown = set(data) - set(SloSpec.__dataclass_fields__)
    if unknown:
        raise SloError(f"{where}: unknown SLO fields {sorted(unknown)}")
    for name in ("scope", "tracker", "statistic"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise SloError(f"{where}: {name} must be a non-empty string, not {data.get(name)!r}")
    tracker, statistic = data["tracker"], data["statistic"]
    if statistic_info(tracker, statistic) is None:
        known = TRACKERS.get(tracker)
        if known is None:
            raise SloError(f"{where}: tracker {tracker!r} is not one of {sorted(TRACKERS)}")
        raise SloError(
            f"{where}: {tracker} has no statistic {statistic!r}{did_you_mean(statistic, known)}"
        )
    if data.get("comparison") not in ("<", "<=", ">", ">="):
        raise SloError(
            f"{where}: comparison must be '<', '<=', '>' or '>=', not {data.get('comparison')!r}"
        )
    threshold = data.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise SloError(f"{where}: threshold must be a number, not {threshold!r}")
    if threshold != threshold or threshold in (float("inf"), float("-inf")):
        raise SloError(f"{where}: threshold must be a finite number, not {threshold!r}")
    for name in ("operation", "metric", "per"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise SloError(f"{where}: {name} must be a string or null, not {data[name]!r}")
    check_min_samples(data.get("min_samples", 1), where)
    check_severity(data.get("severity", "fail"), where)
    check_confidence(data.get("confidence"), where)
    if not isinstance(data.get("relative", False), bool):
        raise SloError(f"{where}: relative must be true or false, not {data['relative']!r}")
    k = data.get("k")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise SloError(f"{where}: k must be an int >= 1 or null, not {k!r}")
    if (k is None) != (statistic not in K_KEYS):
        raise SloError(f"{where}: k={k!r} does not fit statistic {statistic!r}")
    if not isinstance(data.get("stop_early", False), bool):
        raise SloError(f"{where}: stop_early must be true or false, not {data['stop_early']!r}")
    if not isinstance(data.get("declared_at", ""), str):
        raise SloError(f"{where}: declared_at must be a string, not {data['declared_at']!r}")
    return SloSpec(**{**data, "threshold": float(threshold)})
