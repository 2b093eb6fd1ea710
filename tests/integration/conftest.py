"""Every inner project starts from the same tox.ini, holding the options of ``BASE_ADDOPTS``."""

from __future__ import annotations

import pytest

from .inner_runs import write_ini


@pytest.fixture(autouse=True)
def _base_ini(pytester: pytest.Pytester) -> None:
    """Write the base tox.ini; a test that needs more settings writes it again with write_ini."""
    write_ini(pytester)
