"""The core never imports pytest or jinja2; only the pytest-facing shell (PYTEST_FACING) does."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest_qametrics
import pytest_qametrics.report

#: The pytest-facing shell around the core: the only modules allowed to import pytest.
PYTEST_FACING = {"plugin", "recorder", "gatekeeper", "publish"}
#: Front ends that write report files: they may use jinja2 (HTML), never pytest.
REPORT_WRITERS = {"cli"}
NOT_PYTEST = ("pytest", "_pytest")
NOT_JINJA2 = ("jinja2",)

# Imports each module in turn and prints, per module, the top-level packages it newly loaded.
_SCRIPT = """
import importlib, json, sys
loaded = {}
for name in json.loads(sys.argv[1]):
    before = set(sys.modules)
    importlib.import_module(name)
    loaded[name] = sorted({m.split(".")[0] for m in set(sys.modules) - before})
print(json.dumps(loaded))
"""


def package_modules(package: object, prefix: str) -> set[str]:
    return {
        f"{prefix}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)  # type: ignore[attr-defined]
        if not info.ispkg
    }


def core_modules() -> list[str]:
    excluded = {f"pytest_qametrics.{name}" for name in PYTEST_FACING | REPORT_WRITERS}
    return sorted(package_modules(pytest_qametrics, "pytest_qametrics") - excluded)


def newly_loaded_by_importing(modules: list[str]) -> dict[str, list[str]]:
    """Import ``modules`` in order in a fresh interpreter: top-level packages each one pulled in."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(modules)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"importing {modules} failed:\n{done.stderr}")
    loaded: dict[str, list[str]] = json.loads(done.stdout)
    return loaded


def culprits(loaded: dict[str, list[str]], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Each module that first pulled in a forbidden package, with those packages."""
    found = {name: [p for p in packages if p in forbidden] for name, packages in loaded.items()}
    return {name: packages for name, packages in found.items() if packages}


def test_the_core_module_list_covers_the_known_core() -> None:
    names = set(core_modules())
    for expected in ("percentiles", "latency", "timing", "slo", "sloline", "wire", "settings"):
        assert f"pytest_qametrics.{expected}" in names
    assert "pytest_qametrics.plugin" not in names


def test_importing_every_core_module_loads_neither_pytest_nor_jinja2() -> None:
    loaded = newly_loaded_by_importing(core_modules())
    assert set(loaded) == set(core_modules())
    assert culprits(loaded, NOT_PYTEST + NOT_JINJA2) == {}


def test_importing_the_package_itself_loads_neither_pytest_nor_jinja2() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics"])
    assert culprits(loaded, NOT_PYTEST + NOT_JINJA2) == {}


def test_report_writers_and_renderers_never_load_pytest() -> None:
    modules = sorted(
        {f"pytest_qametrics.{name}" for name in REPORT_WRITERS}
        | package_modules(pytest_qametrics.report, "pytest_qametrics.report")
    )
    assert culprits(newly_loaded_by_importing(modules), NOT_PYTEST) == {}


def test_the_check_sees_pytest_when_the_plugin_is_imported() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics.plugin"])
    assert "pytest" in culprits(loaded, NOT_PYTEST)["pytest_qametrics.plugin"]
