"""Wall time of a generated test suite with the plugin against the same suite without it.

Run ``python benchmarks/bench_suite_overhead.py`` (``--quick`` for a CI smoke test of a few
seconds, ``--json PATH`` to keep the figures). It writes a suite into a temporary directory:
by default one test function parametrized 2,000 times (``--layout files``: 20 files of 100),
marked ``@pytest.mark.slo(p95=1.0)``, each test calling ``latency_tracker.record("op", 0.001)``
once. It runs ``python -m pytest -q -p no:benchmark -p no:cacheprovider`` in a subprocess,
under ``-n 2`` and serially, WITH the plugin and WITHOUT it (``-p no:qametrics``; the suite's
conftest then provides a ``latency_tracker`` fixture whose ``record`` does nothing, and its
pytest.ini registers the ``slo`` marker, so the test file is the same in both variants).
Variants alternate within each round (with/without, then without/with) so drift in a shared
VM's load hits both alike. The tables report wall-time medians and the overhead ratio, and
the CPU time (user + system) of the whole pytest process tree, which load disturbs less.
Every run is checked: exit status 0, every test passed, and the SLO summary present only with
the plugin.
PASS/MISS against the target is information: the exit status is 0 unless a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
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

TARGET_OVERHEAD = 0.05  # under -n 2
BASE_ARGS = ("-q", "-p", "no:benchmark", "-p", "no:cacheprovider")
WITHOUT_ARGS = ("-p", "no:qametrics")
#: Environment variables that would change what the subprocesses run.
SCRUBBED_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
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

TEST_MODULE = """\
import pytest


@pytest.mark.slo(p95=1.0)
@pytest.mark.parametrize("case", range({count}))
def test_op(latency_tracker, case):
    latency_tracker.record("op", 0.001)
"""


def generate(root: Path, layout: str, tests: int) -> None:
    """Write the suite: pytest.ini, the fallback conftest and the test module(s)."""
    (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    if layout == "param":
        (root / "test_suite.py").write_text(TEST_MODULE.format(count=tests), encoding="utf-8")
        return
    files = 20
    per_file, extra = divmod(tests, files)
    for index in range(files):
        count = per_file + (1 if index < extra else 0)
        path = root / f"test_mod_{index:02d}.py"
        path.write_text(TEST_MODULE.format(count=count), encoding="utf-8")


@dataclass(frozen=True)
class Variant:
    """One command: a mode (-n 2 or serial) with or without the plugin."""

    mode: str
    plugin: bool
    blocked: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.mode}, {'with' if self.plugin else 'without'} plugin"

    def command(self, workers: int) -> list[str]:
        args = [sys.executable, "-m", "pytest", *BASE_ARGS]
        for name in self.blocked:
            args += ["-p", f"no:{name}"]
        if self.mode != "serial":
            args += ["-n", str(workers)]
        if not self.plugin:
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


def children_cpu() -> float:
    """User + system CPU seconds of every waited-for descendant (pytest and its xdist workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    variant: Variant, workers: int, root: Path, tests: int, env: dict[str, str]
) -> tuple[float, float]:
    """Run the suite once; return its wall and CPU seconds after checking the output."""
    command = variant.command(workers)
    cpu = children_cpu()
    start = perf_counter()
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = perf_counter() - start
    cpu = children_cpu() - cpu
    out = proc.stdout + proc.stderr
    passed = re.search(r"(\d+) passed", out)
    problems = []
    if proc.returncode != 0:
        problems.append(f"exit status {proc.returncode}")
    if passed is None or int(passed.group(1)) != tests:
        problems.append(f"expected {tests} passed")
    if variant.plugin and "qametrics SLOs" not in out:
        problems.append("no qametrics SLO summary with the plugin")
    if not variant.plugin and "qametrics" in out:
        problems.append("qametrics output although the plugin was disabled")
    if problems:
        tail = "\n".join(out.strip().splitlines()[-15:])
        raise SystemExit(f"{' '.join(command)}: {', '.join(problems)}\n{tail}")
    return elapsed, cpu


@dataclass
class Timing:
    """Wall and CPU seconds of one command over the rounds."""

    label: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


@dataclass
class Comparison:
    """One mode's figures with and without the plugin."""

    mode: str
    with_plugin: list[float]
    without_plugin: list[float]
    overhead: float
    per_test_us: float
    cpu_with: list[float]
    cpu_without: list[float]
    cpu_overhead: float
    target: str
    verdict: str


def compare(mode: str, with_t: Timing, without_t: Timing, tests: int, judged: bool) -> Comparison:
    overhead = with_t.median / without_t.median - 1
    target = verdict = ""
    if judged:
        target = f"<= {TARGET_OVERHEAD:.0%}"
        verdict = "PASS" if overhead <= TARGET_OVERHEAD else "MISS"
    return Comparison(
        mode,
        with_t.seconds,
        without_t.seconds,
        overhead,
        (with_t.median - without_t.median) / tests * 1e6,
        with_t.cpu,
        without_t.cpu,
        with_t.cpu_median / without_t.cpu_median - 1,
        target,
        verdict,
    )


def import_cost(rounds: int, env: dict[str, str]) -> tuple[Timing, Timing]:
    """Fresh-interpreter wall and CPU time of importing pytest, and pytest plus the plugin."""
    bare = Timing("python -c 'import pytest'")
    full = Timing("python -c 'import pytest, pytest_qametrics.plugin'")
    for _ in range(rounds):
        for timing, code in (
            (bare, "import pytest"),
            (full, "import pytest, pytest_qametrics.plugin"),
        ):
            cpu = children_cpu()
            start = perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
            timing.seconds.append(perf_counter() - start)
            timing.cpu.append(children_cpu() - cpu)
    return bare, full


def render(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Align ``rows`` (the first is the header) into text lines."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="100 tests, 1 round, one warm-up run: a smoke test of a few seconds.",
    )
    parser.add_argument("--tests", type=int, help="Tests in the suite (default 2000, quick 100).")
    parser.add_argument("--rounds", type=int, help="Runs of each variant (default 5, quick 1).")
    parser.add_argument(
        "--layout",
        choices=("param", "files"),
        default="param",
        help="param: one function parametrized --tests times; files: 20 files. Default param.",
    )
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (default 2).")
    parser.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="PLUGIN",
        help="Also pass -p no:PLUGIN to both variants (repeatable), e.g. hypothesispytest.",
    )
    parser.add_argument(
        "--keep-env",
        action="store_true",
        help="Pass PYTHONDONTWRITEBYTECODE through if set (every process then recompiles the "
        "plugin) instead of caching bytecode in the temporary directory.",
    )
    parser.add_argument("--json", metavar="PATH", help="Also write the results to PATH as JSON.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tests = args.tests or (100 if args.quick else 2000)
    rounds = args.rounds or (1 if args.quick else 5)
    if tests < 20 or rounds < 1 or args.workers < 1:
        sys.exit("--tests must be at least 20, --rounds and --workers at least 1")
    xdist_mode = f"-n {args.workers}"
    modes = (xdist_mode, "serial")
    blocked = tuple(args.block)
    variants = [Variant(mode, plugin, blocked) for mode in modes for plugin in (True, False)]
    load_start = os.getloadavg()[0]
    layout = "1 function x" if args.layout == "param" else "20 files,"
    print(f"pytest-qametrics {pytest_qametrics.__version__} suite overhead benchmark")
    print(
        f"python {platform.python_version()}, pytest {pytest.__version__}, "
        f"os.cpu_count()={os.cpu_count()}, load average {load_start:.2f} at start"
    )
    print(
        f"suite: {layout} {tests} tests, one latency_tracker.record() each, slo(p95=1.0); "
        f"{rounds} rounds, variants alternating"
    )
    print(f"command: {' '.join(variants[0].command(args.workers)[1:])} [-p no:qametrics]")
    no_cache = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    if args.keep_env:
        print(f"bytecode: as in this environment (PYTHONDONTWRITEBYTECODE={no_cache!r})")
    else:
        print("bytecode: cached in a temporary PYTHONPYCACHEPREFIX, warmed up before timing")
    print()
    timings = {v: Timing(v.label) for v in variants}
    with tempfile.TemporaryDirectory(prefix="suite-overhead-") as tmp:
        root = Path(tmp) / "suite"
        root.mkdir()
        generate(root, args.layout, tests)
        env = clean_env(None if args.keep_env else Path(tmp) / "pycache")
        # Warm-up: bytecode caches, the page cache. Quick runs warm up with one serial run,
        # which imports every module a worker imports.
        for variant in [Variant("serial", True, blocked)] if args.quick else variants:
            run_once(variant, args.workers, root, tests, env)
        for index in range(rounds):
            for mode in modes:
                pair = [Variant(mode, True, blocked), Variant(mode, False, blocked)]
                for variant in pair if index % 2 == 0 else pair[::-1]:
                    wall, cpu = run_once(variant, args.workers, root, tests, env)
                    timings[variant].seconds.append(wall)
                    timings[variant].cpu.append(cpu)
        bare, full = import_cost(1 if args.quick else 2 * rounds + 1, env)
    load_end = os.getloadavg()[0]
    comparisons = [
        compare(
            mode,
            timings[Variant(mode, True, blocked)],
            timings[Variant(mode, False, blocked)],
            tests,
            judged=mode == xdist_mode,
        )
        for mode in modes
    ]

    rows: list[tuple[str, ...]] = [
        ("run", "wall median", "min", "max", "CPU median", "wall per run (s)")
    ]
    for timing in timings.values():
        rows.append(
            (
                timing.label,
                f"{timing.median:.3f} s",
                f"{min(timing.seconds):.3f} s",
                f"{max(timing.seconds):.3f} s",
                f"{timing.cpu_median:.3f} s",
                " ".join(f"{s:.2f}" for s in timing.seconds),
            )
        )
    for line in render(rows, {1, 2, 3, 4}):
        print(line)
    print()
    rows = [("mode", "with", "without", "wall overhead", "per test", "CPU overhead", "target", "")]
    for c in comparisons:
        rows.append(
            (
                c.mode,
                f"{statistics.median(c.with_plugin):.3f} s",
                f"{statistics.median(c.without_plugin):.3f} s",
                f"{c.overhead:+.1%}",
                f"{c.per_test_us:+.0f} us",
                f"{c.cpu_overhead:+.1%}",
                c.target,
                c.verdict,
            )
        )
    for line in render(rows, {1, 2, 3, 4, 5}):
        print(line)
    print()
    rows = [("fixed cost per process (fresh interpreter)", "wall median", "min", "CPU median")]
    for timing in (bare, full):
        rows.append(
            (
                timing.label,
                f"{timing.median * 1e3:.0f} ms",
                f"{min(timing.seconds) * 1e3:.0f} ms",
                f"{timing.cpu_median * 1e3:.0f} ms",
            )
        )
    rows.append(
        (
            "  difference: importing the plugin",
            f"{(full.median - bare.median) * 1e3:+.0f} ms",
            f"{(min(full.seconds) - min(bare.seconds)) * 1e3:+.0f} ms",
            f"{(full.cpu_median - bare.cpu_median) * 1e3:+.0f} ms",
        )
    )
    for line in render(rows, {1, 2, 3}):
        print(line)
    print()
    misses = [c.mode for c in comparisons if c.verdict == "MISS"]
    print(f"target missed: {', '.join(misses)}" if misses else "target met")
    print(f"load average {load_end:.2f} at the end (figures are noisy when above the core count)")
    if args.json:
        data: dict[str, Any] = {
            "python": platform.python_version(),
            "pytest": pytest.__version__,
            "cpu_count": os.cpu_count(),
            "pytest_qametrics": pytest_qametrics.__version__,
            "tests": tests,
            "layout": args.layout,
            "rounds": rounds,
            "workers": args.workers,
            "blocked": list(blocked),
            "keep_env": args.keep_env,
            "comparisons": [asdict(c) for c in comparisons],
            "import_seconds": {"pytest": bare.seconds, "pytest+plugin": full.seconds},
            "import_cpu_seconds": {"pytest": bare.cpu, "pytest+plugin": full.cpu},
            "load_average": [load_start, load_end],
        }
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
