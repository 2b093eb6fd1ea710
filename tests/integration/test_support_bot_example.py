"""The support-bot example passes as shipped and fails, with reasons, when its model is noisy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support_bot"
REPORT_FILES = ("report.html", "report.json", "slos.csv", "series.csv")
#: The agent eval suite: 27 cases x 8 trials (tests/test_agent_evals.py).
AGENT_ITEMS = 216
DECIDED = re.compile(
    r"^SKIPPED \[(\d+)\] \S*tests/test_agent_evals\.py:\d+: "
    rf"qametrics: decided after (\d+) of {AGENT_ITEMS} trials$",
    re.MULTILINE,
)


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
        "-rs",
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
    assert {"intent-model", "conversations", "customers-api", "session", "agent"} <= {
        slo["scope"] for slo in slos
    }
    saved = agent_items_saved(done.stdout)
    assert saved >= AGENT_ITEMS // 2, done.stdout[-3000:]


def agent_items_saved(stdout: str) -> int:
    """How many agent eval items were skipped once pass^3 was decided; checks the summary agrees."""
    decided = DECIDED.search(stdout)
    assert decided is not None, stdout[-3000:]
    skipped, after = int(decided.group(1)), int(decided.group(2))
    summary = f"qametrics: stopped early: agent was decided after {after} trials; {skipped} items"
    assert f"{summary} saved" in stdout, stdout[-3000:]
    return skipped


def test_label_noise_breaches_the_model_slos_while_every_test_passes(tmp_path: Path) -> None:
    done = run_example(tmp_path, SUPPORT_BOT_LABEL_NOISE="0.6")

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-3000:]
    lines = done.stdout.splitlines()
    assert " failed" not in lines[-1]
    breach = lines.index("FAIL     intent-model")
    assert lines[breach + 1].startswith("         accuracy f1_macro = ")
    assert lines[breach + 1].endswith(", needs >= 80% (n=108, classifications)")
    assert "FAIL     conversations" in lines
    assert any(line.startswith("qametrics: 5 of 21 SLOs failed") for line in lines)


def test_an_unreliable_agent_breaches_pass_hat_k_and_is_stopped_early(tmp_path: Path) -> None:
    done = run_example(tmp_path, SUPPORT_BOT_AGENT_ACCURACY="0.5")

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout[-3000:]
    lines = done.stdout.splitlines()
    assert " failed" not in lines[-1]  # wrong answers are recorded trials, not failed tests
    breach = lines.index("FAIL     agent")
    assert lines[breach + 1].startswith("         evals pass^3 = "), lines[breach : breach + 3]
    assert ", needs >= 60% (n=" in lines[breach + 1], lines[breach + 1]
    assert any(line.startswith("qametrics: 1 of 21 SLOs failed") for line in lines)
    assert agent_items_saved(done.stdout) >= AGENT_ITEMS // 2
    slos = json.loads((tmp_path / "reports" / "report.json").read_text())["slos"]
    (pass_hat_k,) = [s for s in slos if s["scope"] == "agent" and s["statistic"] == "pass_hat_k"]
    assert (pass_hat_k["verdict"], pass_hat_k["k"]) == ("fail", 3)
    assert pass_hat_k["interval"]["high"] < 0.6
