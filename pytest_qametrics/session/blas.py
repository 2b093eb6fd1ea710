"""numpy on the xdist controller, imported without a thread pool nothing there would use.

numpy's wheels link OpenBLAS, which starts one thread per core when numpy is imported; the
threads then spin for a while waiting for work. The controller imports numpy only to decode
and judge samples (sorting and counting, no matrix products), yet on a 2-core machine running
``-n 2`` those threads take about 60-100 ms of CPU away from the workers. No test runs in the
controller, so it imports numpy with one BLAS thread; serial runs and workers, where tests
run, are left as they are.
"""

from __future__ import annotations

import os
import sys

__all__ = ["BLAS_THREADS_VARIABLE", "import_numpy_without_blas_threads"]

#: OpenBLAS reads this once, when numpy loads it.
BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def import_numpy_without_blas_threads() -> bool:
    """Import numpy with one OpenBLAS thread, unless it is imported already or the user set
    the thread count; the environment is restored at once, so that processes started later
    (a replaced worker, a subprocess of a hook) inherit the user's own. Return whether this
    call imported numpy."""
    if "numpy" in sys.modules or BLAS_THREADS_VARIABLE in os.environ:
        return False
    os.environ[BLAS_THREADS_VARIABLE] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        del os.environ[BLAS_THREADS_VARIABLE]
    return True
