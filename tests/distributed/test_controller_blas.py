"""The xdist controller imports numpy with one BLAS thread; where tests run, numpy is untouched.

Each run is a real ``python -m pytest`` subprocess whose conftest writes, at
``pytest_unconfigure``, what each process ended with: whether numpy was imported, OpenBLAS's
thread count (read by threadpoolctl from the loaded library) and the environment variable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_qametrics.session.blas import BLAS_THREADS_VARIABLE

CONFTEST = """
    import json
    import os
    import sys
    from pathlib import Path

    def pytest_unconfigure(config):
        workerinput = getattr(config, "workerinput", None)
        name = workerinput["workerid"] if workerinput else "controller"
        seen = {"numpy": "numpy" in sys.modules, "variable": os.environ.get("OPENBLAS_NUM_THREADS")}
        if seen["numpy"]:
            from threadpoolctl import threadpool_info
            pools = [p for p in threadpool_info() if p["internal_api"] == "openblas"]
            seen["threads"] = [p["num_threads"] for p in pools]
        out = Path(os.environ["QAMETRICS_SEEN_DIR"]) / f"{name}.json"
        out.write_text(json.dumps(seen), encoding="utf-8")
"""

SUITE = """
    import pytest

    @pytest.mark.slo(p95=1.0)
    @pytest.mark.parametrize("n", range(6))
    def test_checkout(latency_tracker, n):
        latency_tracker.record("checkout", 0.01 * n)
"""


def seen_per_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str
) -> dict[str, dict[str, Any]]:
    out = pytester.mkdir("seen")
    monkeypatch.setenv("QAMETRICS_SEEN_DIR", str(out))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=SUITE)
    # pytest-randomly and pytest-html import numpy or jinja2 themselves: this is about ours
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:html", *args)
    result.assert_outcomes(passed=6)
    assert any(line.startswith("PASS") for line in result.outlines)
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(Path(out).glob("*.json"))
    }


def default_blas_threads() -> list[int]:
    """OpenBLAS's thread count when a fresh interpreter imports numpy by itself."""
    code = (
        "import json, numpy; from threadpoolctl import threadpool_info; "
        "print(json.dumps([p['num_threads'] for p in threadpool_info() "
        "if p['internal_api'] == 'openblas']))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    threads: list[int] = json.loads(output)
    return threads


def test_the_controller_imports_numpy_with_one_blas_thread_and_restores_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BLAS_THREADS_VARIABLE, raising=False)

    seen = seen_per_process(pytester, monkeypatch, "-n", "2")

    assert seen["controller"] == {"numpy": True, "variable": None, "threads": [1]}
    # the workers only recorded latencies: no numpy there, and nothing was changed for them
    assert seen["gw0"] == seen["gw1"] == {"numpy": False, "variable": None}


def test_a_thread_count_the_user_set_is_left_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "2")

    seen = seen_per_process(pytester, monkeypatch, "-n", "2")

    assert seen["controller"] == {"numpy": True, "variable": "2", "threads": [2]}


def test_a_serial_run_where_tests_run_imports_numpy_as_it_is(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BLAS_THREADS_VARIABLE, raising=False)

    seen = seen_per_process(pytester, monkeypatch)

    assert seen["controller"] == {
        "numpy": True,
        "variable": None,
        "threads": default_blas_threads(),
    }
