"""Early stopping of stochastic evals: the betting confidence sequence of each ``stop_early`` SLO.

A ``pass_rate`` SLO observes every counted trial (1 passed, 0 failed). A ``pass_at_k`` or
``pass_hat_k`` SLO observes each case once, when its k-th counted trial arrives: whether any
(pass@k) or all (pass^k) of its first k trials passed, an unbiased 0/1 estimate of the case's
value. The same observations, in the order the trials arrived, give the online decision
(:class:`GroupWatch`) and the bounds the SLO is judged on at the end (:func:`sequence_values`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.sequential import BettingSequence, Side

__all__ = [
    "GroupWatch",
    "SequenceWatch",
    "fewest_to_decide",
    "meets",
    "rows_of",
    "sequence_values",
    "unsettled_reason",
]


def meets(spec: SloSpec, side: Side) -> bool:
    """Whether a sequence settled on ``side`` of the threshold means the SLO is met."""
    return (side == "above") == (spec.comparison in (">=", ">"))


class SequenceWatch:
    """One ``stop_early`` SLO: its observations so far and its confidence sequence."""

    __slots__ = ("_cases", "sequence", "spec")

    def __init__(self, spec: SloSpec) -> None:
        if spec.confidence is None:  # pragma: no cover - refused when the mark is read
            raise ValueError(f"{spec.declared_at}: stop_early needs confidence=")
        self.spec = spec
        self.sequence = BettingSequence(spec.threshold, spec.confidence)
        #: case -> (counted trials, passes) among its first k, for pass@k and pass^k.
        self._cases: dict[str, tuple[int, int]] = {}

    def add(self, case: str, passed: bool) -> None:
        """Take one counted trial of ``case``."""
        k = self.spec.k
        if k is None:
            self.sequence.add(1.0 if passed else 0.0)
            return
        n, c = self._cases.get(case, (0, 0))
        if n >= k:
            return
        n, c = n + 1, c + int(passed)
        self._cases[case] = (n, c)
        if n == k:
            hit = c > 0 if self.spec.statistic == "pass_at_k" else c == k
            self.sequence.add(1.0 if hit else 0.0)

    @property
    def decided(self) -> Side | None:
        """The side of the threshold the sequence settled on, once it has."""
        return self.sequence.decided


@dataclass
class GroupWatch:
    """The ``stop_early`` SLOs of one group; decided once every one of them is.

    A group may span several test functions whose marks arrive one payload at a time, so an
    SLO first seen late is replayed the group's trials so far (kept as (case, passed) pairs).
    """

    watches: list[SequenceWatch] = field(default_factory=list)
    trials: int = 0
    decided_after: int | None = None
    rows: list[tuple[str, bool]] = field(default_factory=list)

    @classmethod
    def of(cls, specs: Iterable[SloSpec]) -> GroupWatch:
        """A watch over the ``stop_early`` specs among ``specs``."""
        watch = cls()
        watch.include(specs)
        return watch

    def include(self, specs: Iterable[SloSpec]) -> None:
        """Watch the ``stop_early`` specs among ``specs`` not yet watched."""
        known = {w.spec for w in self.watches}
        for spec in specs:
            if spec.stop_early and spec not in known:
                known.add(spec)
                watch = SequenceWatch(spec)
                for case, passed in self.rows:
                    watch.add(case, passed)
                self.watches.append(watch)

    def add(self, case: str, passed: bool) -> bool:
        """Take one counted trial; return True when this trial decided the group."""
        self.trials += 1
        self.rows.append((case, passed))
        for watch in self.watches:
            watch.add(case, passed)
        decided = bool(self.watches) and all(w.decided for w in self.watches)
        if self.decided_after is None and decided:
            self.decided_after = self.trials
            return True
        return False


def sequence_values(
    spec: SloSpec, codes: npt.NDArray[np.int64], passed: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """The observations of ``spec``'s sequence from counted trials in arrival order."""
    if spec.k is None:
        return np.asarray(passed != 0, dtype=np.float64)
    k, any_pass = spec.k, spec.statistic == "pass_at_k"
    seen: dict[int, tuple[int, int]] = {}
    values: list[float] = []
    for code, ok in zip(codes.tolist(), passed.tolist(), strict=True):
        n, c = seen.get(code, (0, 0))
        if n >= k:
            continue
        n, c = n + 1, c + int(ok != 0)
        seen[code] = (n, c)
        if n == k:
            values.append(1.0 if (c > 0 if any_pass else c == k) else 0.0)
    return np.asarray(values, dtype=np.float64)


def rows_of(
    labels: Sequence[object], codes: Iterable[int], passed: Iterable[int]
) -> list[tuple[str, bool]]:
    """(case, passed) of each counted trial of a decoded evals entry (errors and skips left out)."""
    return [(str(labels[c]), p == 1) for c, p in zip(codes, passed, strict=True) if p >= 0]


def fewest_to_decide(threshold: float, confidence: float, good: bool, limit: int = 100_000) -> int:
    """How many observations in a row, all 1 (``good``) or all 0, a sequence needs to decide."""
    sequence = BettingSequence(threshold, confidence)
    while sequence.decided is None and sequence.count < limit:
        sequence.add(1.0 if good else 0.0)
    return sequence.count


def unsettled_reason(spec: SloSpec, observations: int) -> str:
    """Why a ``stop_early`` SLO is inconclusive: its sequence never settled, and how many
    observations (trials, or cases for pass@k and pass^k) deciding would take at best."""
    if spec.confidence is None:  # pragma: no cover - refused when the mark is read
        return ""
    unit = "trials" if spec.k is None else "cases"
    above = fewest_to_decide(spec.threshold, spec.confidence, True)
    below = fewest_to_decide(spec.threshold, spec.confidence, False)
    return (
        f"the confidence sequence did not settle on {observations} {unit}; it needs at least "
        f"{above} {unit} in a row that pass to show it above {spec.threshold:g}, or {below} "
        f"that fail to show it below"
    )
