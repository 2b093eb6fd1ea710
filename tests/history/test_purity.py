"""The history package is core: no pytest, no jinja2; its series names match the report's."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest_qametrics.history
from pytest_qametrics.judge import series
from pytest_qametrics.report import model

_SCRIPT = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def history_modules() -> list[str]:
    return sorted(
        f"pytest_qametrics.history.{info.name}"
        for info in pkgutil.iter_modules(pytest_qametrics.history.__path__)
    )


def test_importing_every_history_module_loads_neither_pytest_nor_jinja2() -> None:
    modules = history_modules()
    assert "pytest_qametrics.history.command" in modules
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(modules)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = set(json.loads(done.stdout))
    assert {"pytest", "_pytest", "jinja2"} & loaded == set()


def test_series_names_are_the_report_models_row_names() -> None:
    assert series.ALL_OPERATIONS == model.ALL_OPERATIONS
    assert series.CALL_DURATIONS == model.CALL_DURATIONS
