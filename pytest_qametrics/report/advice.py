"""The recommendations of one run: its verdicts and samples handed to judge.advice."""

from __future__ import annotations

from typing import Any

import numpy as np

from pytest_qametrics.judge.advice import Evidence, SloRecord, advise
from pytest_qametrics.judge.baseline import Confusion
from pytest_qametrics.judge.evaluation import Verdict
from pytest_qametrics.judge.regression import shown
from pytest_qametrics.samples.population import Population
from pytest_qametrics.stats.percentiles import PercentileMethod

__all__ = ["run_recommendations"]


def _label(verdict: Verdict) -> str:
    spec = verdict.spec
    where = f"{spec.scope} " if spec.scope != "session" else ""
    part = f" ({verdict.part})" if verdict.part else ""
    limit = (
        f"{spec.threshold:g}"
        if spec.statistic.endswith("_regression")
        else shown(spec.threshold, spec.tracker, spec.statistic)
    )
    return f"{where}{spec.target}.{spec.statistic}{part} {spec.comparison} {limit}"


def _evidence(verdict: Verdict, population: Population, method: PercentileMethod) -> Evidence:
    spec = verdict.spec
    if verdict.status != "fail":
        return Evidence()
    if spec.tracker == "latency":
        operations = sorted(
            {name for (tracker, name, _) in population.series if tracker == "latency"}
        )
        p95s = [(population.latency(op).summarize(method)["p95"], op) for op in operations]
        slowest = max(p95s) if p95s else None
        errors = population.latency(spec.operation).errors
        return Evidence((slowest[1], float(slowest[0])) if slowest else None, tuple(errors.items()))
    if spec.tracker == "accuracy":
        from pytest_qametrics.trackers.accuracy import summarize_accuracy

        pool = population.column_pool("accuracy")
        accuracy = summarize_accuracy(pool.arrays(), pool.labels)
        if not accuracy.labels:
            return Evidence()
        matrix = np.asarray(accuracy.confusion_matrix, dtype=np.int64)
        return Evidence(confusion=Confusion(tuple(map(str, accuracy.labels)), matrix))
    return Evidence()


def run_recommendations(
    verdicts: list[Verdict], scopes: dict[str, Population], method: PercentileMethod
) -> list[dict[str, Any]]:
    """What to do about this run's SLOs (the same rules as the weekly report's)."""
    items = []
    for verdict in verdicts:
        if verdict.status == "skipped":
            continue
        observed = () if verdict.observed is None else (float(verdict.observed),)
        record = SloRecord(
            label=_label(verdict),
            tracker=verdict.spec.tracker,
            statistic=verdict.spec.statistic,
            comparison=verdict.spec.comparison,
            threshold=verdict.spec.threshold,
            verdicts=(verdict.status,),
            observed=observed,
            needed=verdict.needed,
            n=verdict.n,
        )
        population = scopes.get(verdict.spec.scope, Population())
        items.append((record, _evidence(verdict, population, method)))
    return [advice.as_dict() for advice in advise(items)]
