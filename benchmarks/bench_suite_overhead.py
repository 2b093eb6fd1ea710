"""Whole-process cost of the plugin: generated suites with it, without it, and before a change.

Run ``python benchmarks/bench_suite_overhead.py`` (``--quick`` for a smoke test of a few seconds,
``--json PATH`` to keep the figures, ``--before DIR`` to add the plugin as it is in another
source tree, e.g. ``git archive main pytest_qametrics | tar -x -C /tmp/before``). Three suites
are written into a temporary directory:

- ``one-test``: one test that records nothing (the plugin installed but unused), serially;
- ``recording``: one function parametrized 2,000 times, marked ``@pytest.mark.slo(p95=1.0)``,
  each case calling ``latency_tracker.record("op", 0.001)`` once, under ``-n 2`` and serially;
- ``metric-free``: 2,000 parametrized cases that record nothing and declare no SLO, serially.

Each runs ``python -m pytest -q -p no:benchmark -p no:cacheprovider`` in a subprocess WITH the
plugin, WITHOUT it (``-p no:qametrics``; the suite's conftest then provides a
``latency_tracker`` whose ``record`` does nothing, and its pytest.ini registers the ``slo``
marker, so the test files are the same), and with ``--before``, with the plugin imported from
DIR (``PYTHONPATH``, which precedes the editable install). The variants of one row run in a
rotating order in every round, so a shared VM's drift hits them alike. The tables report
wall-time medians and the overhead against "without", the CPU time (user + system) of the
process tree, and the peak resident memory of the largest process of the run (``os.wait4``).
Every run is checked: exit status 0, every test passed, the SLO summary present only when the
plugin judges SLOs. PASS/MISS against the targets is information: the exit status is 0 unless
a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import pytest

import pytest_qametrics

BASE_ARGS = ("-q", "-p", "no:benchmark", "-p", "no:cacheprovider")
WITHOUT_ARGS = ("-p", "no:qametrics")
#: Environment variables that would change what the subprocesses run.
SCRUBBED_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
    "PYTHONPATH",
)

PYTEST_INI = """\
[pytest]
markers =
    slo(**thresholds): registered here so that the run without pytest-qametrics accepts it
"""

CONFTEST = '''\
"""Without pytest-qametrics (-p no:qametrics), stand in for its latency_tracker fixture."""

import pytest


class _NoTracker:
    def record(self, operation, seconds, **kwargs):
        pass


class _Fallback:
    @pytest.fixture
    def latency_tracker(self):
        return _NoTracker()


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("qametrics"):
        config.pluginmanager.register(_Fallback(), "qametrics-fallback")
'''

RECORDING_MODULE = """\
import pytest


@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("case", range({count}))
def test_op(latency_tracker, case):
    latency_tracker.record("op", 0.001)
"""

METRIC_FREE_MODULE = """\
import pytest


@pytest.mark.parametrize("case", range({count}))
def test_plain(case):
    assert case >= 0
"""


@dataclass(frozen=True)
class Suite:
    """One generated suite: its module, its size, and whether the plugin judges SLOs in it."""

    key: str
    module: str
    tests: int
    judged: bool


@dataclass(frozen=True)
class Row:
    """One line of the table: a suite in a mode, with the targets the issue set for it."""

    suite: Suite
    mode: str  # "serial" or "-n N"
    wall_target: float | None = None
    rss_target_mb: float | None = None

    @property
    def label(self) -> str:
        return f"{self.suite.key} ({self.suite.tests} tests), {self.mode}"


def suites(tests: int) -> dict[str, Suite]:
    return {
        "one-test": Suite("one-test", METRIC_FREE_MODULE, 1, judged=False),
        "recording": Suite("recording", RECORDING_MODULE, tests, judged=True),
        "metric-free": Suite("metric-free", METRIC_FREE_MODULE, tests, judged=False),
    }


def rows(tests: int, workers: int) -> list[Row]:
    found = suites(tests)
    return [
        Row(found["one-test"], "serial", 0.03, 2.0),
        Row(found["recording"], f"-n {workers}", 0.10),
        Row(found["recording"], "serial", 0.03),
        Row(found["metric-free"], "serial", 0.02),
    ]


def generate(root: Path, suite: Suite) -> Path:
    """Write ``suite`` into its own directory under ``root``; return the directory."""
    directory = root / suite.key
    directory.mkdir()
    (directory / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (directory / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    module = suite.module.format(count=suite.tests)
    (directory / "test_suite.py").write_text(module, encoding="utf-8")
    return directory


VARIANTS = ("with", "without", "before")


def command(row: Row, variant: str, blocked: tuple[str, ...]) -> list[str]:
    args = [sys.executable, "-m", "pytest", *BASE_ARGS]
    for name in blocked:
        args += ["-p", f"no:{name}"]
    if row.mode != "serial":
        args += row.mode.split()
    if variant == "without":
        args += list(WITHOUT_ARGS)
    return args


def clean_env(pycache: Path | None) -> dict[str, str]:
    """The subprocesses' environment; with ``pycache``, bytecode is cached there.

    Users' interpreters keep bytecode caches, so a run should not recompile the plugin's
    modules in every process (PYTHONDONTWRITEBYTECODE=1 would); the cache goes to a temporary
    directory so that nothing is written next to the sources.
    """
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONHASHSEED"] = "0"
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float
    rss_mb: float


def run_process(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, Measured]:
    """Run ``args``; return its exit status, output, wall, CPU and peak RSS (os.wait4)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        start = perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    # ru_maxrss is in KiB on Linux: the largest of the process and its waited-for descendants
    measured = Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    return proc.returncode, text, measured


def run_once(
    row: Row, variant: str, cwd: Path, envs: dict[str, dict[str, str]], blocked: tuple[str, ...]
) -> Measured:
    """Run one variant of ``row`` once, after checking its output."""
    args = command(row, variant, blocked)
    code, out, measured = run_process(args, cwd, envs[variant])
    passed = re.search(r"(\d+) passed", out)
    problems = []
    if code != 0:
        problems.append(f"exit status {code}")
    if passed is None or int(passed.group(1)) != row.suite.tests:
        problems.append(f"expected {row.suite.tests} passed")
    judged = "qametrics SLOs" in out
    if variant != "without" and judged != row.suite.judged:
        problems.append("an SLO summary" if judged else "no SLO summary")
    if variant == "without" and "qametrics" in out:
        problems.append("qametrics output although the plugin was disabled")
    if problems:
        tail = "\n".join(out.strip().splitlines()[-15:])
        raise SystemExit(f"{variant}: {' '.join(args)}: {', '.join(problems)}\n{tail}")
    return measured


@dataclass
class Timing:
    """The runs of one variant of one row."""

    runs: list[Measured] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(run, name) for run in self.runs)


def import_cost(rounds: int, envs: dict[str, dict[str, str]], cwd: Path) -> dict[str, Timing]:
    """Fresh-interpreter wall and CPU time of importing pytest, and pytest plus the plugin."""
    codes = {
        "import pytest": ("with", "import pytest"),
        "import pytest, pytest_qametrics.plugin": (
            "with",
            "import pytest, pytest_qametrics.plugin",
        ),
    }
    if "before" in envs:
        codes["  the same, before"] = ("before", "import pytest, pytest_qametrics.plugin")
    timings = {label: Timing() for label in codes}
    for _ in range(rounds):
        for label, (variant, code) in codes.items():
            status, out, measured = run_process([sys.executable, "-c", code], cwd, envs[variant])
            if status != 0:
                raise SystemExit(f"python -c {code!r} failed:\n{out}")
            timings[label].runs.append(measured)
    return timings


def render(table: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Align ``table`` (the first row is the header) into text lines."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for number, cells in enumerate(table):
        text = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(text).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100 tests, 1 round: a smoke test of a few seconds."
    )
    parser.add_argument("--tests", type=int, help="Tests of the large suites (default 2000).")
    parser.add_argument("--rounds", type=int, help="Rounds (default 7, quick 1).")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (default 2).")
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="Also run the plugin imported from DIR (a folder holding pytest_qametrics/).",
    )
    parser.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="PLUGIN",
        help="Also pass -p no:PLUGIN to every variant (repeatable), e.g. hypothesispytest.",
    )
    parser.add_argument(
        "--keep-env",
        action="store_true",
        help="Pass PYTHONDONTWRITEBYTECODE through if set (every process then recompiles the "
        "plugin) instead of caching bytecode in the temporary directory.",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="Run only the rows whose label contains TEXT (repeatable), e.g. '-n 2' or "
        "'one-test'; more rounds of one row in the same time.",
    )
    parser.add_argument("--json", metavar="PATH", help="Also write the results to PATH as JSON.")
    return parser.parse_args(argv)


def header(args: argparse.Namespace, tests: int, rounds: int, variants: list[str]) -> list[str]:
    lines = [
        f"pytest-qametrics {pytest_qametrics.__version__} whole-process overhead benchmark",
        f"python {platform.python_version()}, pytest {pytest.__version__}, "
        f"os.cpu_count()={os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start",
        f"{rounds} rounds; variants {', '.join(variants)} in a rotating order within each row",
        f"command: python -m pytest {' '.join(BASE_ARGS)} [-n {args.workers}] [-p no:qametrics]",
    ]
    if args.before:
        lines.append(f"before: the plugin imported from {args.before} (PYTHONPATH)")
    if args.keep_env:
        lines.append("bytecode: as in this environment")
    else:
        lines.append("bytecode: cached in a temporary PYTHONPYCACHEPREFIX, warmed up before timing")
    return lines


def measure(
    args: argparse.Namespace, tests: int, rounds: int, variants: list[str]
) -> tuple[list[Row], dict[tuple[Row, str], Timing], dict[str, Timing]]:
    blocked = tuple(args.block)
    table = [
        r
        for r in rows(tests, args.workers)
        if not args.only or any(t in r.label for t in args.only)
    ]
    if not table:
        sys.exit(f"no row matches --only {args.only}")
    timings = {(row, v): Timing() for row in table for v in variants}
    with tempfile.TemporaryDirectory(prefix="suite-overhead-") as tmp:
        root = Path(tmp)
        env = clean_env(None if args.keep_env else root / "pycache")
        envs = {"with": env, "without": env}
        if args.before:
            before_cache = None if args.keep_env else root / "pycache-before"
            envs["before"] = {**clean_env(before_cache), "PYTHONPATH": str(Path(args.before))}
        places = {s.key: generate(root, s) for s in suites(tests).values() if s.tests}
        for row in table:  # warm-up: bytecode caches, the page cache
            for variant in variants:
                run_once(row, variant, places[row.suite.key], envs, blocked)
        for index in range(rounds):
            for row in table:
                shift = index % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    run = run_once(row, variant, places[row.suite.key], envs, blocked)
                    timings[(row, variant)].runs.append(run)
        # from a directory without a pytest_qametrics/ folder, so that PYTHONPATH decides
        imports = import_cost(1 if args.quick else rounds, envs, root)
    return table, timings, imports


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "PASS" if value <= target else "MISS"


def report(
    table: list[Row], timings: dict[tuple[Row, str], Timing], variants: list[str]
) -> tuple[list[str], list[dict[str, Any]]]:
    lines = render(
        [("row", "variant", "wall median", "min", "max", "CPU median", "peak RSS")]
        + [
            (
                row.label,
                v,
                f"{t.median('wall'):.3f} s",
                f"{min(r.wall for r in t.runs):.3f} s",
                f"{max(r.wall for r in t.runs):.3f} s",
                f"{t.median('cpu'):.3f} s",
                f"{t.median('rss_mb'):.1f} MB",
            )
            for row in table
            for v in variants
            for t in [timings[(row, v)]]
        ],
        {2, 3, 4, 5, 6},
    )
    summary: list[tuple[str, ...]] = [
        ("row, against -p no:qametrics", "variant", "wall", "CPU", "peak RSS", "target", "")
    ]
    data = []
    for row in table:
        base = timings[(row, "without")]
        for v in (v for v in variants if v != "without"):
            t = timings[(row, v)]
            wall = t.median("wall") / base.median("wall") - 1
            cpu = t.median("cpu") / base.median("cpu") - 1
            rss = t.median("rss_mb") - base.median("rss_mb")
            target = "" if row.wall_target is None else f"<= {row.wall_target:+.0%}"
            ok = [verdict(wall, row.wall_target)]
            if row.rss_target_mb is not None:
                target += f" / <= +{row.rss_target_mb:g} MB"
                ok.append(verdict(rss, row.rss_target_mb))
            met = "MISS" if "MISS" in ok else ("PASS" if "PASS" in ok else "")
            summary.append(
                (row.label, v, f"{wall:+.1%}", f"{cpu:+.1%}", f"{rss:+.1f} MB", target, met)
            )
            data.append(
                {
                    "row": row.label,
                    "variant": v,
                    "wall_overhead": wall,
                    "cpu_overhead": cpu,
                    "rss_mb_delta": rss,
                    "verdict": met,
                    "runs": [asdict(r) for r in t.runs],
                    "baseline_runs": [asdict(r) for r in base.runs],
                }
            )
    return [*lines, "", *render(summary, {2, 3, 4})], data


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tests = args.tests or (100 if args.quick else 2000)
    rounds = args.rounds or (1 if args.quick else 7)
    if tests < 20 or rounds < 1 or args.workers < 1:
        sys.exit("--tests must be at least 20, --rounds and --workers at least 1")
    variants = ["with", "without"] + (["before"] if args.before else [])
    if args.before and not (Path(args.before) / "pytest_qametrics" / "plugin.py").exists():
        sys.exit(f"--before {args.before}: no pytest_qametrics/plugin.py there")
    for line in header(args, tests, rounds, variants):
        print(line)
    print()
    table, timings, imports = measure(args, tests, rounds, variants)
    lines, data = report(table, timings, variants)
    for line in lines:
        print(line)
    print()
    rows_ = [
        ("fixed cost per process (fresh interpreter)", "wall median", "CPU median", "peak RSS")
    ]
    for label, t in imports.items():
        rows_.append(
            (
                label,
                f"{t.median('wall') * 1e3:.0f} ms",
                f"{t.median('cpu') * 1e3:.0f} ms",
                f"{t.median('rss_mb'):.1f} MB",
            )
        )
    for line in render(rows_, {1, 2, 3}):
        print(line)
    print()
    misses = [f"{d['row']} ({d['variant']})" for d in data if d["verdict"] == "MISS"]
    print(f"targets missed: {'; '.join(misses)}" if misses else "targets met")
    print(f"load average {os.getloadavg()[0]:.2f} at the end (noisy when above the core count)")
    if args.json:
        result = {
            "python": platform.python_version(),
            "pytest": pytest.__version__,
            "cpu_count": os.cpu_count(),
            "pytest_qametrics": pytest_qametrics.__version__,
            "tests": tests,
            "rounds": rounds,
            "workers": args.workers,
            "before": args.before,
            "comparisons": data,
            "imports": {label: [asdict(r) for r in t.runs] for label, t in imports.items()},
        }
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
