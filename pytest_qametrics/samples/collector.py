"""Gathers finished tests into the session's and each SLO group's population."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_qametrics.choices import DEFAULT_EXACT_CAP
from pytest_qametrics.samples.population import Population
from pytest_qametrics.samples.testlog import TestLog, natural_key
from pytest_qametrics.samples.wire import ItemRecord
from pytest_qametrics.samples.workers import WorkerLedger
from pytest_qametrics.slo.spec import SESSION, SloSpec

__all__ = ["Collector", "LeftOutAttempts"]


@dataclass(slots=True)
class LeftOutAttempts:
    """Attempts of rerun tests (pytest-rerunfailures) whose samples do not count."""

    attempts: int = 0
    samples: int = 0

    def left_out(self, samples: object) -> None:
        """Count one attempt that was run again, with the samples it recorded."""
        self.attempts += 1
        if isinstance(samples, int) and not isinstance(samples, bool) and samples > 0:
            self.samples += samples

    def describe(self) -> str:
        """The summary line, or ``""`` when no attempt was left out."""
        if not self.attempts:
            return ""
        attempts = "attempt" if self.attempts == 1 else "attempts"
        samples = "sample" if self.samples == 1 else "samples"
        return (
            f"qametrics: left out {self.samples} {samples} of {self.attempts} earlier {attempts} "
            f"of rerun tests (only a test's final attempt counts; qametrics_rerun_samples = all "
            f"counts every attempt)"
        )


class Collector:
    """Everything the SLO evaluation needs, fed one finished test at a time.

    Runs in the process that evaluates SLOs: the only process without xdist, the controller
    with it. Tests arrive as :class:`ItemRecord` payloads; session-wide call durations and
    skips arrive from plain test reports, since unmarked tests send no payload.
    """

    def __init__(self, session_specs: list[SloSpec], cap: int = DEFAULT_EXACT_CAP) -> None:
        self.cap = cap
        self.session = Population(cap)
        self.groups: dict[str, Population] = {}
        self.workers = WorkerLedger()
        self.tests = TestLog()
        self.reruns = LeftOutAttempts()
        #: Each SLO once; the instance kept names the first declaring test in node id order.
        self._specs: dict[SloSpec, SloSpec] = {spec: spec for spec in session_specs}
        #: id -> an instance seen before, kept so that its id stays unique: a function's cases
        #: (and decoded payloads, whose specs are cached) share instances, which need no hash.
        self._seen: dict[int, SloSpec] = {}
        #: id of a specs tuple -> (the tuple, its scopes): the cases of a function share one.
        self._scopes: dict[int, tuple[tuple[SloSpec, ...], tuple[str, ...]]] = {}
        self._declared: dict[str, tuple[str, ...]] = {}
        #: Samples recorded in class-, module-, package- or session-scoped fixtures.
        self.shared_samples = 0

    @property
    def specs(self) -> list[SloSpec]:
        """Session SLOs in ini order, then group SLOs by group name and by the node id of the
        first test declaring them, so the order does not depend on the order tests ran in."""
        session = [s for s in self._specs.values() if s.scope == SESSION]
        grouped = sorted(
            (s for s in self._specs.values() if s.scope != SESSION),
            key=lambda s: (s.scope, natural_key(s.declared_at)),
        )
        return session + grouped

    def _keep(self, spec: SloSpec) -> None:
        if self._seen.get(id(spec)) is spec:  # an instance seen before: nothing to compare
            return
        self._seen[id(spec)] = spec
        known = self._specs.get(spec)
        if known is spec:
            return
        if known is None or natural_key(spec.declared_at) < natural_key(known.declared_at):
            self._specs.pop(spec, None)  # re-inserted: the key must be the instance kept
            self._specs[spec] = spec

    def add_specs(self, specs: list[SloSpec]) -> None:
        """Add SLOs that arrived another way (a shard's data artifact)."""
        for spec in specs:
            self._keep(spec)

    def declare(self, nodeid: str, specs: tuple[SloSpec, ...]) -> None:
        """Note the SLOs of a test that started; they count even if its payload never comes."""
        for spec in specs:
            self._keep(spec)
        known = self._scopes.get(id(specs))
        if known is None or known[0] is not specs:
            known = self._scopes[id(specs)] = (specs, tuple(dict.fromkeys(s.scope for s in specs)))
        self._declared[nodeid] = known[1]

    def add_record(self, record: ItemRecord, worker: str | None = None) -> None:
        """Pool one finished test into the session and into each group it belongs to."""
        if worker is not None:
            self.workers.arrived(worker, record.sample_count)
        fed = sorted({f"{entry.key[0]}:{entry.key[1]}" for entry in record.series})
        self.tests.fed(record.nodeid, worker, tuple(fed))
        self.session.add_samples(record)
        for spec in record.specs:
            self._keep(spec)
        for group in record.groups:
            population = self.groups.get(group)
            if population is None:
                population = self.groups[group] = Population(self.cap)
            population.add_member(record)

    def add_shared(self, record: ItemRecord, worker: str | None = None) -> None:
        """Pool samples recorded in fixtures wider than one test: they belong to the session
        only, never to the group of the test that happened to trigger the fixture."""
        if worker is not None:
            self.workers.arrived_samples(worker, record.sample_count)
        self.shared_samples += record.sample_count
        self.session.add_samples(record)

    def add_test_phase(self, when: str, outcome: str, duration: float) -> None:
        """Count a test phase for the session: call durations and skips of every test."""
        if when == "teardown":
            self.session.items += 1
        elif outcome == "skipped":
            self.session.skipped += 1
        elif when == "call":
            self.session.call_durations.append(duration)

    def scopes(self) -> dict[str, Population]:
        """Every scope's population by name, the session's under ``"session"``."""
        return {SESSION: self.session, **self.groups}

    def population(self, scope: str) -> Population:
        """Return the population an SLO of ``scope`` is judged on (empty if nothing arrived)."""
        return self.session if scope == SESSION else self.groups.get(scope, Population(self.cap))

    def scopes_touched_by(self, nodeid: str | None) -> set[str]:
        """The scopes whose population may include the test ``nodeid`` (all when unknown)."""
        if nodeid is None:
            return {SESSION, *self.groups}
        function = nodeid.split("[", 1)[0]
        touched = {SESSION, function, *self._declared.get(nodeid, ())}
        for scope, population in self.groups.items():
            if any(member.split("[", 1)[0] == function for member in population.nodeids):
                touched.add(scope)
        return touched
