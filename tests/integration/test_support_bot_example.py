"""The support-bot example passes as shipped and fails, with reasons, when its model is noisy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support_bot"
REPORT_FILES = ("report.html", "report.json", "slos.csv", "series.csv")


def run_example(tmp_path: Path, **knobs: str) -> subprocess.CompletedProcess[str]:
    """Run the example's suite serially in a subprocess (it starts its own HTTP server)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SUPPORT_BOT_", "PYTEST_XDIST", "PYTEST_ADDOPTS"))
    }
    env.update(knobs)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(EXAMPLE),
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:benchmark",
        "--qametrics-report",
        f"--qametrics-report-dir={tmp_path / 'reports'}",
    ]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_example_passes_and_writes_every_report(tmp_path: Path) -> None:
    done = run_example(tmp_path)

    assert done.returncode == pytest.ExitCode.OK, done.stdout[-3000:] + done.stderr[-2000:]
    for name in REPORT_FILES:
        assert (tmp_path / "reports" / name).is_file(), name
    slos = json.loads((tmp_path / "reports" / "report.json").read_text())["slos"]
    assert {slo["verdict"] for slo in slos} == {"pass"}
    assert {"intent-model", "conversations", "customers-api", "session"} <= {
        slo["scope"] for slo in slos
    }


def test_label_noise_breaches_the_model_slos_while_every_test_passes(tmp_path: Path) -> None:
    done = run_example(tmp_path, SUPPORT_BOT_LABEL_NOISE="0.6")

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-3000:]
    lines = done.stdout.splitlines()
    assert " failed" not in lines[-1]
    breach = lines.index("FAIL     intent-model")
    assert lines[breach + 1].startswith("         accuracy f1_macro = ")
    assert lines[breach + 1].endswith(", needs >= 80% (n=108, classifications)")
    assert "FAIL     conversations" in lines
    assert any(line.startswith("qametrics: 5 of 18 SLOs failed") for line in lines)
