"""The mergeable data artifact: a run's pooled samples, SLOs and worker accounting as JSON."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

if sys.platform != "win32":
    import fcntl
import numpy.typing as npt

from pytest_qametrics.samples.collector import Collector
from pytest_qametrics.samples.columns import ColumnEntry, ColumnPool
from pytest_qametrics.samples.itemstore import float_bytes
from pytest_qametrics.samples.population import Chunks, LatencyPool, Population
from pytest_qametrics.samples.workers import LostWorker
from pytest_qametrics.slo.spec import SloError, spec_from_data
from pytest_qametrics.stats.digest import LatencyDigest

__all__ = [
    "ARTIFACT_NAME",
    "ARTIFACT_VERSION",
    "Artifact",
    "ArtifactError",
    "check_writable",
    "dump_collector",
    "load_collector",
    "merge_into",
    "read_artifact",
    "write_atomic",
    "write_set",
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


def write_set(directory: Path, files: list[tuple[str, str]], managed: tuple[str, ...]) -> None:
    """Write ``files`` (name, text) into ``directory`` as one set.

    Every file is written to a temporary name first; only when all are written are they
    renamed into place, under a lock on the directory, and the ``managed`` names that are not
    in this set are removed. A failed write (a full disk) leaves the previous set untouched,
    and two runs writing one directory at once leave one run's set, never a mix.
    """
    temporaries: list[tuple[str, str]] = []
    try:
        for name, text in files:
            temporaries.append((_write_temporary(directory / name, text), name))
        with _locked(directory):
            for temporary, name in temporaries:
                os.replace(temporary, directory / name)
            written = {name for name, _ in files}
            for name in managed:
                if name not in written:
                    (directory / name).unlink(missing_ok=True)
    finally:
        for temporary, _ in temporaries:
            Path(temporary).unlink(missing_ok=True)


def _write_temporary(path: Path, text: str) -> str:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` itself (flock on its descriptor: no lock file)."""
    if sys.platform == "win32":  # pragma: no cover - no flock: renames are each atomic
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _FieldError(ValueError):
    """One field of an artifact is wrong; the message names the field."""


def _samples(text: str, where: str = "samples") -> npt.NDArray[np.float64]:
    values = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f8").astype(np.float64)
    if values.size and not (np.isfinite(values).all() and values.min() >= 0):
        bad = values[~np.isfinite(values) | (values < 0)][0]
        raise _FieldError(f"{where} holds {float(bad)!r}; durations are finite seconds >= 0")
    return values


def _count(value: object, where: str) -> int:
    if value.__class__ is not int or value < 0:
        raise _FieldError(f"{where} must be a count (an int >= 0), not {value!r}")
    return value


def _text_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _FieldError(f"{where} must be a list of strings, not {value!r:.80}")
    return value


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


def dump_collector(
    collector: Collector, percentile: str, runs: list[str] | None = None, project: str = ""
) -> str:
    """Serialize everything SLO evaluation needs, so another process can merge and judge it.

    ``runs`` are the ids of the runs whose samples it holds (one for a pytest run, every
    shard's for a merge), so that ``qametrics merge`` can refuse to count a run twice;
    ``project`` names the project (its rootdir), so merging different projects is noticed.
    """
    data = {
        "artifact_version": ARTIFACT_VERSION,
        "runs": list(runs or []),
        "project": project,
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


def _load_population(data: dict[str, Any], cap: int, where: str) -> Population:
    population = Population(cap)
    population.items = _count(data["items"], f"{where}.items")
    population.skipped = _count(data["skipped"], f"{where}.skipped")
    population.nodeids = _text_list(data["nodeids"], f"{where}.nodeids")
    _samples(data["call_durations"], f"{where}.call_durations")
    population.call_durations = _floats(data["call_durations"])
    for position, entry in enumerate(data["series"]):
        at = f"{where}.series[{position}]"
        pool = LatencyPool(cap)
        pool.ok = Chunks(_samples(entry["ok"], f"{at}.ok"))
        pool.fail = Chunks(_samples(entry["fail"], f"{at}.fail"))
        pool.errors = {str(k): _count(v, f"{at}.errors") for k, v in entry["errors"].items()}
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
    artifact = read_artifact(path, cap)
    return artifact.collector, artifact.percentile


@dataclass(frozen=True)
class Artifact:
    """A data artifact read back: its pool, percentile method, run ids and project."""

    collector: Collector
    percentile: str
    runs: tuple[str, ...]
    project: str


def read_artifact(path: Path, cap: int) -> Artifact:
    """Read an artifact; every field is checked as a mark would be: an ArtifactError names
    the file and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ArtifactError(f"{path}: cannot be read as a qametrics data artifact: {err}") from err
    version = data.get("artifact_version") if isinstance(data, dict) else data
    if not isinstance(data, dict) or version.__class__ is not int or version != ARTIFACT_VERSION:
        raise ArtifactError(
            f"{path}: not a qametrics data artifact of version {ARTIFACT_VERSION} "
            f"(found {version!r})"
        )
    try:
        specs = [spec_from_data(s, f"specs[{i}]") for i, s in enumerate(data["specs"])]
        collector = Collector(specs, cap)
        collector.session = _load_population(data["session"], cap, "session")
        collector.groups = {
            str(n): _load_population(p, cap, f"groups[{n!r}]") for n, p in data["groups"].items()
        }
        for lost in data["lost_workers"]:
            worker = LostWorker(str(lost["worker"]), str(lost["reason"]), lost["running"])
            collector.workers.lost[f"{path}:{worker.worker}"] = worker
        collector.workers.problems.extend(_text_list(data["problems"], "problems"))
        _load_tests(collector, data.get("tests", []))
        runs = tuple(_text_list(data.get("runs", []), "runs"))
        project = data.get("project", "")
        if not isinstance(data["percentile"], str) or not isinstance(project, str):
            raise _FieldError("percentile and project must be strings")
        return Artifact(collector, data["percentile"], runs, project)
    except (SloError, _FieldError) as err:
        raise ArtifactError(f"{path}: {err}") from err
    except (KeyError, TypeError, ValueError, AttributeError) as err:
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
