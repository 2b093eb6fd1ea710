"""Accounts for what each xdist worker sent, so a lost worker or a lost payload is said out loud."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["WORKER_OUTPUT_KEY", "LostWorker", "WorkerLedger", "worker_totals"]

#: The key of the worker's end-of-session totals in ``config.workeroutput``.
WORKER_OUTPUT_KEY = "qametrics_v1"


def worker_totals(items: int, samples: int) -> dict[str, int]:
    """The totals a worker sends at session end (exact builtins only)."""
    return {"v": 1, "items": int(items), "samples": int(samples)}


@dataclass(slots=True)
class LostWorker:
    """A worker that went down without sending its totals, and the test it was running."""

    worker: str
    reason: str
    running: str | None = None

    def describe(self) -> str:
        """One sentence for the summary and the reports."""
        where = f" while running {self.running}" if self.running else ""
        return (
            f"worker {self.worker} was lost{where} ({self.reason}); the samples of the test it "
            f"was running are missing, the tests it finished before are counted"
        )


@dataclass(slots=True)
class WorkerLedger:
    """What arrived from each worker, checked against what it says it sent."""

    received: dict[str, list[int]] = field(default_factory=dict)
    lost: dict[str, LostWorker] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Workers that came up and have not gone down through ``finished()`` yet.
    running: set[str] = field(default_factory=set)

    def started(self, worker: str) -> None:
        """Note a worker that came up; one that never finishes is lost (see ``settle()``)."""
        self.running.add(worker)

    def settle(self) -> None:
        """Count every worker that came up but never went down properly as lost (xdist drops a
        worker after an internal error without a ``testnodedown``)."""
        for worker in sorted(self.running - set(self.lost)):
            self.lost[worker] = LostWorker(
                worker, "it stopped without finishing its session, e.g. after an internal error"
            )
        self.running.clear()

    def arrived(self, worker: str, samples: int) -> None:
        """Count one test payload with ``samples`` samples from ``worker``."""
        counts = self.received.setdefault(worker, [0, 0])
        counts[0] += 1
        counts[1] += samples

    def arrived_samples(self, worker: str, samples: int) -> None:
        """Count samples from ``worker`` that came with no test of their own."""
        self.received.setdefault(worker, [0, 0])[1] += samples

    def finished(self, worker: str, output: Mapping[str, object] | None, error: object) -> None:
        """Check a worker that went down; ``output`` is its workeroutput (None after a crash)."""
        self.running.discard(worker)
        totals = output.get(WORKER_OUTPUT_KEY) if output is not None else None
        if not isinstance(totals, Mapping):
            reason = str(error) if error else "it finished without sending its qametrics totals"
            self.lost[worker] = LostWorker(worker, reason.strip().splitlines()[-1][:200])
            return
        items, samples = self.received.get(worker, [0, 0])
        if (totals.get("items"), totals.get("samples")) != (items, samples):
            self.problems.append(
                f"worker {worker} sent {totals.get('items')} test payloads with "
                f"{totals.get('samples')} samples, but {items} payloads with {samples} samples "
                f"arrived: samples were lost on the way"
            )

    def crashed_while(self, worker: str, nodeid: str) -> None:
        """Note the test a lost worker was running (xdist reports it after the worker is down)."""
        lost = self.lost.get(worker)
        if lost is None:
            self.lost[worker] = LostWorker(worker, "it crashed", nodeid)
        else:
            lost.running = nodeid

    def split(self) -> str:
        """The per-worker split, e.g. ``gw0: 40 tests, 400 samples; gw1: ...``."""
        return "; ".join(
            f"{worker}: {items} tests, {samples} samples"
            for worker, (items, samples) in sorted(self.received.items())
        )
