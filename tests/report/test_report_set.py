"""The report files of one run are written as a set: never a mix of two runs, never half a set."""

from __future__ import annotations

import json
import multiprocessing
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_qametrics.samples.artifact import write_set

NAMES = ("report.json", "slos.csv", "series.csv", "report.html", "qametrics-data.json")


def _writer(directory: str, tag: str, rounds: int) -> None:
    for number in range(rounds):
        files = [
            (name, f"{tag} {number}\n" + "x" * 20_000 * (i + 1)) for i, name in enumerate(NAMES)
        ]
        write_set(Path(directory), files, NAMES)


def _tags(directory: Path) -> set[str]:
    return {(directory / name).read_text(encoding="utf-8").split("\n")[0] for name in NAMES}


def test_two_writers_of_one_directory_leave_one_writers_whole_set(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(tmp_path), tag, 40)) for tag in "AB"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0

    assert len(_tags(tmp_path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(NAMES)


def test_a_set_without_some_formats_removes_the_files_of_the_earlier_set(tmp_path: Path) -> None:
    write_set(tmp_path, [(name, "old\n") for name in NAMES], NAMES)

    write_set(tmp_path, [("report.json", "new\n")], NAMES)

    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "report.json"
    ]


def _stamps(directory: Path) -> tuple[str, str]:
    artifact = json.loads((directory / "qametrics-data.json").read_text(encoding="utf-8"))
    html = (directory / "report.html").read_text(encoding="utf-8")
    meta = re.search(r'<meta name="qametrics-run" content="([0-9a-f]{32})">', html)
    assert meta is not None
    return artifact["runs"][0], meta.group(1)


def test_a_write_that_fails_midway_leaves_the_earlier_set_whole(pytester: pytest.Pytester) -> None:
    """A file-size limit (what a full disk looks like to the writer) stops the second run
    after the CSV files, at the HTML page; the first run's set must be there, whole."""
    pytester.makepyfile(
        test_calls="""
        import pytest

        @pytest.mark.slo(p95=1.0)
        @pytest.mark.parametrize("case", range(300))
        def test_call(latency_tracker, case):
            latency_tracker.record(f"op{case % 30}", 0.001 * (case + 1))
        """
    )
    args: tuple[str, ...] = ("-p", "no:randomly", "-p", "no:cacheprovider", "--qametrics-report")
    args = (*args, "--qametrics-formats=csv,html", "--qametrics-report-dir=r")
    assert pytester.runpytest_subprocess(*args).ret == 0
    directory = pytester.path / "r"
    first = _stamps(directory)
    assert first[0] == first[1]
    before = {p.name: p.read_bytes() for p in directory.iterdir() if not p.name.startswith(".")}
    csv_size = max(len(before["slos.csv"]), len(before["series.csv"]))
    assert len(before["report.html"]) > csv_size
    limit = csv_size + 1024  # the CSV files of the second run fit, its HTML page does not

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-m", "pytest", *args]
    popen = subprocess.run(
        command, cwd=pytester.path, capture_output=True, preexec_fn=limited, timeout=120
    )
    assert popen.returncode == pytest.ExitCode.TESTS_FAILED, popen.stdout
    assert b"could not write the reports to" in popen.stdout
    after = {p.name: p.read_bytes() for p in directory.iterdir() if not p.name.startswith(".")}
    assert after == before
    assert [
        p.name for p in directory.iterdir() if p.name.startswith(".") and "lock" not in p.name
    ] == []
