"""import_numpy_without_blas_threads: once, only when numpy is not there, environment restored.

Each case runs in a fresh interpreter: numpy is already imported in this one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pytest_qametrics.session.blas import BLAS_THREADS_VARIABLE

CASE = """
import json, os, sys
from pytest_qametrics.session.blas import import_numpy_without_blas_threads
first = import_numpy_without_blas_threads()
imported = "numpy" in sys.modules
second = import_numpy_without_blas_threads()
print(json.dumps([first, imported, second, os.environ.get("OPENBLAS_NUM_THREADS")]))
"""


def run_case(**env: str) -> list[object]:
    environment = {k: v for k, v in os.environ.items() if k != BLAS_THREADS_VARIABLE}
    output = subprocess.run(
        [sys.executable, "-c", CASE],
        env={**environment, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: list[object] = json.loads(output)
    return result


def test_it_imports_numpy_once_and_leaves_no_variable_behind() -> None:
    assert run_case() == [True, True, False, None]


def test_a_thread_count_the_user_set_means_it_does_nothing() -> None:
    assert run_case(OPENBLAS_NUM_THREADS="3") == [False, False, False, "3"]
