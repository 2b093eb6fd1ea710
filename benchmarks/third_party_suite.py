"""A real project's own test suite, with pytest-qametrics on and off: same outcomes, time ratio.

Run ``python benchmarks/third_party_suite.py`` (``.ci/run`` does). It downloads the sdist of
semver 3.1.2 with pip (``pip download --no-binary :all: --no-deps``), unpacks it into a
temporary directory and runs its tests (537 of them: parametrized cases, fixtures, marks,
doctests, ``--import-mode=importlib`` and pytest-cov, all from the project's own
``.pytest.ini``) four times: serially and under ``-n 2``, each with the plugin (which then
also writes its reports and judges one session SLO on the call durations) and without it
(``-p no:qametrics``). Every run must pass; the four runs must give every test the same
outcome (read from each run's JUnit XML); the plugin's report must list every test. The
table gives each run's wall time and the ratio with the plugin to without it. The exit status
is 1 when a check fails; the time ratio is information only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from time import perf_counter

PROJECT = "semver"
VERSION = "3.1.2"
#: The project's own options stay; only plugins that are not part of this comparison are off.
BLOCKED = (
    "benchmark",
    "cacheprovider",
    "asyncio",
    "randomly",
    "rerunfailures",
    "repeat",
    "timeout",
    "html",
    "html_fixtures",
    "metadata",
)
WITH_PLUGIN = (
    "--qametrics-report",
    "--qametrics-report-dir=qametrics-report",
    "-o",
    "qametrics_slo=latency.p99 <= 5s",
)
WITHOUT_PLUGIN = ("-p", "no:qametrics")
#: Environment variables that would change what the runs do.
SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "CI")

Outcomes = dict[str, str]


def fetch(directory: Path) -> Path:
    """Download and unpack the sdist; return the unpacked project directory."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            "--dest",
            str(directory),
            f"{PROJECT}=={VERSION}",
        ],
        check=True,
    )
    (archive,) = directory.glob(f"{PROJECT}-{VERSION}.tar.gz")
    with tarfile.open(archive) as sdist:
        sdist.extractall(directory, filter="data")
    return directory / f"{PROJECT}-{VERSION}"


def outcomes(junit: Path) -> Outcomes:
    """Each test's outcome (passed, failed, error, skipped) from a JUnit XML file."""
    found: Outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        outcome = next((t for t in ("failure", "error", "skipped") if t in tags), "passed")
        if name in found:
            raise SystemExit(f"{junit} names {name} twice: outcomes cannot be compared")
        found[name] = outcome
    return found


def run(project: Path, label: str, args: tuple[str, ...]) -> tuple[float, Outcomes]:
    """Run the suite once; return its wall time and its outcomes. A failing run ends the script."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPATH"] = "src"  # the sdist's own semver, not an installed one
    junit = project / f"junit-{label}.xml"
    blocked = [arg for name in BLOCKED for arg in ("-p", f"no:{name}")]
    command = [sys.executable, "-m", "pytest", "-q", *blocked, f"--junitxml={junit}", *args]
    started = perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    elapsed = perf_counter() - started
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
    print(f"  {label:<22} exit {done.returncode}  {elapsed:6.1f} s  {tail}")
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
        raise SystemExit(f"the {label} run failed with exit code {done.returncode}")
    return elapsed, outcomes(junit)


def check_report(project: Path, expected_tests: int) -> None:
    """The plugin's report lists every test and judges its session SLO."""
    report = json.loads((project / "qametrics-report" / "report.json").read_text("utf-8"))
    listed = len(report["tests"])
    verdicts = [slo["verdict"] for slo in report["slos"]]
    if listed != expected_tests or verdicts != ["pass"]:
        raise SystemExit(
            f"the plugin's report lists {listed} tests (expected {expected_tests}) and "
            f"verdicts {verdicts} (expected ['pass'])"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qametrics-third-party-") as tmp:
        project = fetch(Path(tmp))
        print(f"{PROJECT} {VERSION}: its own test suite, with and without pytest-qametrics")
        times: dict[str, float] = {}
        results: dict[str, Outcomes] = {}
        for mode, mode_args in (("serial", ()), ("-n 2", ("-n", "2"))):
            for plugin, plugin_args in (("without", WITHOUT_PLUGIN), ("with", WITH_PLUGIN)):
                label = f"{mode}, {plugin}"
                times[label], results[label] = run(
                    project, label.replace(" ", "").replace(",", "-"), (*mode_args, *plugin_args)
                )
                if plugin == "with":
                    check_report(project, len(results[label]))
        reference = results["serial, without"]
        for label, found in results.items():
            if found != reference:
                differ = sorted(
                    k for k in reference.keys() | found.keys() if reference.get(k) != found.get(k)
                )
                raise SystemExit(
                    f"{label}: outcomes differ from the serial run without the plugin: "
                    f"{differ[:10]}"
                )
        print(f"outcomes identical in all four runs: {len(reference)} tests")
        for mode in ("serial", "-n 2"):
            ratio = times[f"{mode}, with"] / times[f"{mode}, without"]
            print(f"  {mode:<7} with / without the plugin: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
