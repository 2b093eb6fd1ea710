"""A run whose tests record nothing loads none of the heavy modules; one that records does.

Each run is a real ``python -m pytest`` subprocess (the plugin loaded from its entry point, as
in any project that has it installed), whose conftest writes the names in ``sys.modules`` at
``pytest_unconfigure`` to one file per process: the controller's and each xdist worker's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: Top-level packages a metric-free run must not import.
HEAVY_PACKAGES = ("numpy", "scipy", "sklearn", "jinja2", "requests")
#: Stages of the plugin a metric-free run must not import.
HEAVY_STAGES = ("pytest_qametrics.history", "pytest_qametrics.report")

CONFTEST = """
    import json
    import os
    import sys
    from pathlib import Path

    def pytest_unconfigure(config):
        # not PYTEST_XDIST_WORKER: an outer xdist run passes its own to this subprocess
        workerinput = getattr(config, "workerinput", None)
        name = workerinput["workerid"] if workerinput else "controller"
        out = Path(os.environ["QAMETRICS_MODULES_DIR"]) / f"{name}.json"
        out.write_text(json.dumps(sorted(sys.modules)), encoding="utf-8")
"""

METRIC_FREE_SUITE = """
    import pytest

    @pytest.fixture
    def answer():
        return 42

    def test_fixture_value(answer):
        assert answer == 42

    @pytest.mark.parametrize("n", range(6))
    def test_parametrized(n):
        assert n >= 0

    @pytest.mark.skip(reason="not today")
    def test_skipped():
        pass

    def test_fails():
        assert False
"""

RECORDING_SUITE = """
    import pytest

    @pytest.mark.slo(p95=1.0)
    @pytest.mark.parametrize("n", range(6))
    def test_checkout(latency_tracker, n):
        latency_tracker.record("checkout", 0.01 * n)
"""


def heavy(modules: list[str]) -> list[str]:
    """The modules of ``modules`` that a metric-free run must not have imported."""
    return [
        name
        for name in modules
        if name.split(".")[0] in HEAVY_PACKAGES
        or any(name == stage or name.startswith(stage + ".") for stage in HEAVY_STAGES)
    ]


def modules_per_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, suite: str, *args: str
) -> tuple[pytest.RunResult, dict[str, list[str]]]:
    """Run ``suite`` in a subprocess; return the result and each process's ``sys.modules``."""
    out = pytester.mkdir("modules")
    monkeypatch.setenv("QAMETRICS_MODULES_DIR", str(out))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=suite)
    # other plugins that import such modules themselves are blocked (pytest-html imports jinja2;
    # the base ini already blocks pytest-randomly, which imports numpy): this is about ours
    result = pytester.runpytest_subprocess("-p", "no:html", *args)
    loaded = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(Path(out).glob("*.json"))
    }
    return result, loaded


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_metric_free_run_imports_no_numpy_sklearn_jinja2_requests_history_or_report(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    result, loaded = modules_per_process(pytester, monkeypatch, METRIC_FREE_SUITE, *workers)
    result.assert_outcomes(passed=7, failed=1, skipped=1)
    expected = {"controller", "gw0", "gw1"} if workers else {"controller"}
    assert set(loaded) == expected
    for process, modules in loaded.items():
        assert "pytest_qametrics.plugin" in modules, process  # the plugin was active
        assert heavy(modules) == [], process


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_run_that_records_and_declares_an_slo_does_load_numpy_to_judge_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    result, loaded = modules_per_process(pytester, monkeypatch, RECORDING_SUITE, *workers)
    result.assert_outcomes(passed=6)
    assert any(line.startswith("PASS") for line in result.outlines)
    judged = loaded["controller"]
    assert "numpy" in heavy(judged)
    assert "pytest_qametrics.report.terminal" in heavy(judged)
    assert "pytest_qametrics.judge.evaluation" in judged


def test_the_heavy_module_filter_names_what_it_finds() -> None:
    modules = ["numpy.linalg", "numpyx", "pytest_qametrics.reporting", "pytest_qametrics.report"]
    assert heavy(modules) == ["numpy.linalg", "pytest_qametrics.report"]
