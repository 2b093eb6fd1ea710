"""The values the history store reads and writes: runs, statistics, histograms, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_qametrics.judge.baseline import Confusion, Histogram, SeriesKey

__all__ = ["RunFacts", "RunRecord", "RunRow", "TrendPoint", "VerdictRow"]


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What is known about a run before it is stored."""

    started: str
    exit_status: int
    duration: float | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    host: str | None = None
    python: str | None = None
    plugin_version: str | None = None


@dataclass(frozen=True, slots=True)
class RunRow:
    """A stored run: its id in the history file and its facts."""

    id: int
    facts: RunFacts


@dataclass(frozen=True, slots=True)
class VerdictRow:
    """One SLO verdict of a stored run."""

    scope: str
    tracker: str
    name: str
    statistic: str
    part: str | None
    comparison: str
    threshold: float
    observed: float | None
    n: int
    verdict: str
    reason: str
    #: the sample size that would decide an inconclusive verdict, when it was known
    needed: int | None = None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run's value of a series statistic."""

    run: int
    started: str
    value: float
    git_commit: str | None = None
    git_branch: str | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything stored about one run, written in one transaction."""

    facts: RunFacts
    #: series -> statistic -> value (finite values only)
    stats: dict[SeriesKey, dict[str, float]]
    histograms: dict[SeriesKey, Histogram]
    confusions: dict[SeriesKey, Confusion]
    verdicts: tuple[VerdictRow, ...] = ()
    #: latency series -> error message -> how many calls failed with it
    errors: dict[SeriesKey, dict[str, int]] = field(default_factory=dict)
