"""The mergeable data artifact: a run's pooled samples, SLOs and worker accounting as JSON."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.columns import ColumnEntry, ColumnPool
from pytest_qametrics.samples.itemstore import float_bytes
from pytest_qametrics.samples.population import Chunks, LatencyPool, Population
from pytest_qametrics.samples.workers import LostWorker
from pytest_qametrics.slo.spec import SloSpec
from pytest_qametrics.stats.digest import LatencyDigest

__all__ = [
    "ARTIFACT_NAME",
    "ARTIFACT_VERSION",
    "ArtifactError",
    "check_writable",
    "dump_collector",
    "load_collector",
    "merge_into",
    "write_atomic",
]

ARTIFACT_NAME = "qametrics-data.json"
ARTIFACT_VERSION = 1


class ArtifactError(ValueError):
    """A data artifact that cannot be read or merged; the message names the file."""


def check_writable(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written there (OSError if not)."""
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / ".qametrics-write-check"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _samples(text: str) -> npt.NDArray[np.float64]:
    return np.frombuffer(base64.b64decode(text), dtype="<f8").astype(np.float64)


def _floats(text: str) -> array[float]:
    values = np.frombuffer(base64.b64decode(text), dtype="<f8").astype("=f8")
    return array("d", values.tobytes())


def _pool_data(pool: LatencyPool) -> dict[str, Any]:
    digest = pool.digest.to_wire() if pool.digest is not None else None
    if digest is not None:
        digest["hist"]["counts"] = _b64(digest["hist"]["counts"])
    return {
        "ok": _b64(pool.ok.joined().astype("<f8").tobytes()),
        "fail": _b64(pool.fail.joined().astype("<f8").tobytes()),
        "errors": pool.errors,
        "digest": digest,
    }


def _population_data(population: Population) -> dict[str, Any]:
    return {
        "items": population.items,
        "skipped": population.skipped,
        "nodeids": population.nodeids,
        "call_durations": _b64(float_bytes(population.call_durations)),
        "series": [
            {"tracker": key[0], "name": key[1], "tags": [list(t) for t in key[2]], **_pool_data(p)}
            for key, p in population.series.items()
        ],
        "columns": [
            {"tracker": key[0], "name": key[1], "tags": [list(t) for t in key[2]], **_columns(p)}
            for key, p in population.columns.items()
        ],
    }


def _columns(pool: ColumnPool) -> dict[str, Any]:
    arrays = pool.arrays()
    return {
        "columns": {
            name: [
                "q" if values.dtype.kind == "i" else "d",
                _b64(values.astype("<i8" if values.dtype.kind == "i" else "<f8").tobytes()),
            ]
            for name, values in arrays.items()
        },
        "labels": pool.labels,
        "examples": pool.examples,
    }


def dump_collector(collector: Collector, percentile: str) -> str:
    """Serialize everything SLO evaluation needs, so another process can merge and judge it."""
    data = {
        "artifact_version": ARTIFACT_VERSION,
        "percentile": percentile,
        "specs": [spec.to_wire() for spec in collector.specs],
        "session": _population_data(collector.session),
        "groups": {name: _population_data(p) for name, p in sorted(collector.groups.items())},
        "lost_workers": [
            {"worker": w.worker, "reason": w.reason, "running": w.running}
            for w in collector.workers.lost.values()
        ],
        "problems": collector.workers.problems,
        "tests": [
            [*row, list(collector.tests.series_of(row[0], row[3]))]
            for row in collector.tests.finished()
        ],
    }
    return json.dumps(data, separators=(",", ":"))


def _load_tests(collector: Collector, rows: list[list[Any]]) -> None:
    """The test rows of a shard (absent in artifacts written before they were kept)."""
    for nodeid, outcome, duration, worker, file, line, series in rows:
        shard_worker = None if worker is None else str(worker)
        collector.tests.rows.append(
            (
                str(nodeid),
                str(outcome),
                None if duration is None else float(duration),
                shard_worker,
                None if file is None else str(file),
                None if line is None else int(line),
            )
        )
        collector.tests.fed(str(nodeid), shard_worker, tuple(str(s) for s in series))


def _load_population(data: dict[str, Any], cap: int) -> Population:
    population = Population(cap)
    population.items = int(data["items"])
    population.skipped = int(data["skipped"])
    population.nodeids = [str(n) for n in data["nodeids"]]
    population.call_durations = _floats(data["call_durations"])
    for entry in data["series"]:
        pool = LatencyPool(cap)
        pool.ok = Chunks(_samples(entry["ok"]))
        pool.fail = Chunks(_samples(entry["fail"]))
        pool.errors = {str(k): int(v) for k, v in entry["errors"].items()}
        if entry["digest"] is not None:
            wire = dict(entry["digest"])
            wire["hist"] = {**wire["hist"], "counts": base64.b64decode(wire["hist"]["counts"])}
            pool.digest = LatencyDigest.from_wire(wire)
        key = (str(entry["tracker"]), str(entry["name"]), tuple((k, v) for k, v in entry["tags"]))
        population.series[key] = pool
    for entry in data.get("columns", []):
        key = (str(entry["tracker"]), str(entry["name"]), tuple((k, v) for k, v in entry["tags"]))
        wire = {
            "columns": {n: [c, base64.b64decode(b)] for n, (c, b) in entry["columns"].items()},
            "labels": entry["labels"],
            "examples": entry["examples"],
        }
        population.column_pool_for(key).add(ColumnEntry.from_wire(key, wire))
    return population


def load_collector(path: Path, cap: int) -> tuple[Collector, str]:
    """Read an artifact back into a Collector; returns it with the run's percentile method."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ArtifactError(f"{path}: cannot be read as a qametrics data artifact: {err}") from err
    if not isinstance(data, dict) or data.get("artifact_version") != ARTIFACT_VERSION:
        raise ArtifactError(
            f"{path}: not a qametrics data artifact of version {ARTIFACT_VERSION} "
            f"(found {data.get('artifact_version') if isinstance(data, dict) else data!r})"
        )
    try:
        collector = Collector([SloSpec.from_wire(s) for s in data["specs"]], cap)
        collector.session = _load_population(data["session"], cap)
        collector.groups = {n: _load_population(p, cap) for n, p in data["groups"].items()}
        for lost in data["lost_workers"]:
            worker = LostWorker(str(lost["worker"]), str(lost["reason"]), lost["running"])
            collector.workers.lost[f"{path}:{worker.worker}"] = worker
        collector.workers.problems.extend(str(p) for p in data["problems"])
        _load_tests(collector, data.get("tests", []))
        return collector, str(data["percentile"])
    except (KeyError, TypeError, ValueError) as err:
        raise ArtifactError(f"{path}: damaged qametrics data artifact: {err!r}") from err


def merge_into(target: Collector, other: Collector) -> None:
    """Pool ``other`` (another shard) into ``target``: same scopes pool, SLOs are unioned."""
    target.add_specs(other.specs)
    _merge_population(target.session, other.session)
    for name, population in other.groups.items():
        if name in target.groups:
            _merge_population(target.groups[name], population)
        else:
            target.groups[name] = population
    target.workers.lost.update(other.workers.lost)
    target.workers.problems.extend(other.workers.problems)
    for row in other.tests.finished():
        target.tests.rows.append(row)
        target.tests.fed(row[0], row[3], other.tests.series_of(row[0], row[3]))


def _merge_population(target: Population, other: Population) -> None:
    target.items += other.items
    target.skipped += other.skipped
    target.nodeids.extend(other.nodeids)
    target.call_durations.extend(other.call_durations)
    for key, pool in other.series.items():
        mine = target.series.get(key)
        if mine is None:
            target.series[key] = pool
        else:
            mine.absorb(pool)
    for key, columns in other.columns.items():
        target.column_pool_for(key).absorb(columns)
