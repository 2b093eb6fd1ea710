"""The package's stages import one way, and only the pytest-facing shell imports pytest.

The stages, lowest first (a module may import its own stage and the stages below it):

    version, choices < slo < stats < samples < trackers < judge < report | history < export
    < settings < session < plugin, cli, the package itself

``report`` and ``history`` are siblings: neither imports the other. The rules are checked
statically on every import statement (also those under ``if TYPE_CHECKING:`` and inside
functions), and dynamically by importing modules in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import pytest_qametrics

PACKAGE = Path(pytest_qametrics.__file__).parent

#: Each stage (a subpackage, or a module at the top of the package) and its layer.
LAYERS: dict[str, int] = {
    "version": 0,
    # the values options and ini keys accept, read by every run's settings without numpy
    "choices": 0,
    "slo": 1,
    "stats": 2,
    "samples": 3,
    "trackers": 4,
    "judge": 5,
    "report": 6,
    "history": 6,
    # exports read the report model and samples (and history's provenance), never session/
    "export": 7,
    "settings": 8,
    "session": 9,
    "plugin": 10,
    "cli": 10,
    "__init__": 10,
}
#: The only stages that may import pytest (and xdist, execnet): the pytest-facing shell.
PYTEST_FACING = {"session", "plugin"}
#: Third-party packages allowed only in the named modules.
CONFINED = {
    "pytest": None,  # see PYTEST_FACING
    "_pytest": None,
    "xdist": None,
    "execnet": None,
    "jinja2": {"report/html.py"},
    # latency.py names requests.Session only under TYPE_CHECKING, for instrument()'s signature
    # the exports send with requests (Pushgateway handler, webhooks)
    "requests": {
        "trackers/instrument.py",
        "trackers/latency.py",
        "export/prometheus.py",
        "export/delivery.py",
    },
    # the exposition format is prometheus_client's, used only by the export stage
    "prometheus_client": {"export/families.py", "export/prometheus.py"},
    # the optional PostgreSQL driver: imported lazily by its backend only
    "psycopg": {"history/backends/postgres.py"},
}
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Import:
    """One import statement of a module: what it names and where."""

    module: str
    line: int


def stage_of(relative: Path) -> str:
    """The stage of a package file given relative to the package folder."""
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """Every module an import statement in ``source`` names, relative imports resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([node.module] if node.module else []))
            if base == "pytest_qametrics":
                # ``from pytest_qametrics import judge`` names a stage, ``import timed`` the root
                found += [
                    Import(f"{base}.{alias.name}" if alias.name in LAYERS else base, node.lineno)
                    for alias in node.names
                ]
            else:
                found.append(Import(base, node.lineno))
    return found


def target_stage(imported: str) -> str | None:
    """The stage an import of the package names, or None for other packages."""
    parts = imported.split(".")
    if parts[0] != "pytest_qametrics":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def violations(relative: Path, source: str) -> list[str]:
    """Every rule a package file breaks: upward imports and confined packages used elsewhere."""
    stage = stage_of(relative)
    module = "pytest_qametrics." + ".".join(relative.with_suffix("").parts)
    is_package = relative.name == "__init__.py"
    found = []
    for imp in imports_of(source, module.removesuffix(".__init__"), is_package):
        where = f"{relative.as_posix()}:{imp.line}"
        target = target_stage(imp.module)
        if target is not None:
            if target not in LAYERS:
                found.append(f"{where} imports {imp.module}, which belongs to no known stage")
            elif target != stage and LAYERS[target] >= LAYERS[stage]:
                found.append(
                    f"{where} imports {imp.module}: stage {stage!r} (layer {LAYERS[stage]}) "
                    f"may not import stage {target!r} (layer {LAYERS[target]})"
                )
            continue
        top = imp.module.split(".")[0]
        if top in CONFINED:
            allowed = CONFINED[top]
            ok = stage in PYTEST_FACING if allowed is None else relative.as_posix() in allowed
            if not ok:
                found.append(f"{where} imports {top}, which only {allowed or PYTEST_FACING} may")
    return found


def package_files() -> list[Path]:
    return sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py"))


def test_every_package_file_belongs_to_a_known_stage() -> None:
    unknown = {stage_of(path) for path in package_files()} - set(LAYERS)
    assert unknown == set()


def test_no_module_imports_a_later_stage_or_a_package_confined_elsewhere() -> None:
    found = [
        problem
        for path in package_files()
        for problem in violations(path, (PACKAGE / path).read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "judge/evaluation.py",
            "from pytest_qametrics.history.store import HistoryStore\n",
            "stage 'judge' (layer 5) may not import stage 'history' (layer 6)",
        ),
        (
            "report/html.py",
            "from pytest_qametrics.history import session\n",
            "stage 'report' (layer 6) may not import stage 'history' (layer 6)",
        ),
        (
            "samples/wire.py",
            "if TYPE_CHECKING:\n    from ..trackers.latency import LatencyTracker\n",
            "may not import stage 'trackers'",
        ),
        ("stats/loghist.py", "def f():\n    import pytest\n", "imports pytest"),
        ("judge/observations.py", "import jinja2\n", "imports jinja2"),
        ("report/model.py", "from requests import Session\n", "imports requests"),
        ("slo/spec.py", "from pytest_qametrics import timed\n", "may not import stage '__init__'"),
    ],
)
def test_the_check_catches_an_upward_or_confined_import(
    path: str, source: str, expected: str
) -> None:
    found = violations(Path(path), source)
    assert len(found) == 1
    assert expected in found[0]
    assert found[0].startswith(f"{path}:")


def test_the_check_allows_imports_down_and_within_a_stage() -> None:
    source = (
        "from pytest_qametrics.stats.percentiles import nearest_rank\n"
        "from pytest_qametrics.judge.baseline import Baseline\n"
        "from . import series\n"
        "import numpy\n"
    )
    assert violations(Path("judge/regression.py"), source) == []


def test_every_module_opens_with_a_one_line_docstring() -> None:
    missing = []
    for path in package_files():
        docstring = ast.get_docstring(ast.parse((PACKAGE / path).read_text(encoding="utf-8")))
        if not docstring or not docstring.splitlines()[0].strip():
            missing.append(path.as_posix())
    assert missing == []


def test_every_stage_says_what_it_does_and_what_it_hands_on() -> None:
    stages = [p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert {p.name for p in stages} == {name for name in LAYERS if (PACKAGE / name).is_dir()}
    for stage in stages:
        docstring = ast.get_docstring(ast.parse((stage / "__init__.py").read_text("utf-8")))
        assert docstring is not None, stage.name
        assert len(docstring.split()) >= 30, f"{stage.name}/__init__.py says too little"


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in package_files():
        for node in ast.walk(ast.parse((PACKAGE / path).read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.as_posix()}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


# --- dynamic checks: what importing a module really loads ----------------------------------

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
NOT_PYTEST = ("pytest", "_pytest")
NOT_JINJA2 = ("jinja2",)


def all_modules() -> list[str]:
    return sorted(
        info.name for info in pkgutil.walk_packages(pytest_qametrics.__path__, "pytest_qametrics.")
    )


def modules_outside(*stages: str) -> list[str]:
    """Every module of the package except those of the named stages."""
    return [name for name in all_modules() if (target_stage(name) or "") not in stages]


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


def test_the_core_module_list_covers_every_core_stage() -> None:
    stages = {target_stage(name) for name in modules_outside("session", "plugin")}
    assert {"slo", "stats", "samples", "trackers", "judge", "report", "history"} <= stages
    assert "pytest_qametrics.plugin" not in modules_outside("session", "plugin")


def test_importing_every_core_module_loads_no_pytest_and_only_report_html_loads_jinja2() -> None:
    # report.html renders with jinja2; report.files and the command write the HTML report
    writers = {
        "pytest_qametrics.report.html",
        "pytest_qametrics.report.files",
        "pytest_qametrics.cli",
    }
    core = [m for m in modules_outside("session", "plugin") if m not in writers]
    loaded = newly_loaded_by_importing(core)
    assert set(loaded) == set(core)
    assert culprits(loaded, NOT_PYTEST + NOT_JINJA2) == {}


def test_importing_the_package_itself_loads_neither_pytest_nor_jinja2() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics"])
    assert culprits(loaded, NOT_PYTEST + NOT_JINJA2) == {}


def test_the_report_stage_and_the_command_never_load_pytest() -> None:
    modules = [m for m in all_modules() if target_stage(m) in ("report", "cli")]
    assert "pytest_qametrics.report.html" in modules
    assert culprits(newly_loaded_by_importing(modules), NOT_PYTEST) == {}


def test_the_check_sees_pytest_when_the_plugin_is_imported() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics.plugin"])
    assert "pytest" in culprits(loaded, NOT_PYTEST)["pytest_qametrics.plugin"]


#: What the plugin may load only when a run needs it (tests/integration/test_import_cost.py
#: checks a whole metric-free session; this checks the import itself, module by module).
LOADED_ON_DEMAND = ("numpy", "scipy", "sklearn", "jinja2", "requests")


def test_importing_the_package_and_the_plugin_loads_nothing_heavy() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics", "pytest_qametrics.plugin"])
    assert culprits(loaded, LOADED_ON_DEMAND) == {}


def test_the_heavy_check_sees_numpy_when_a_tracker_module_is_imported() -> None:
    loaded = newly_loaded_by_importing(["pytest_qametrics.trackers.accuracy"])
    assert "numpy" in culprits(loaded, LOADED_ON_DEMAND)["pytest_qametrics.trackers.accuracy"]
