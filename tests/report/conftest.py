"""Inner projects start from the same tox.ini, and never see the outer CI's GitHub variables."""

from __future__ import annotations

import pytest

# The accuracy tracker imports scikit-learn on first use. pytester restores sys.modules after
# each in-process run, so a second run would import scipy's C extensions again, which fails
# ("cannot load module more than once per process"); imported here, they stay loaded.
import sklearn.metrics  # noqa: F401

from .projects import write_ini


@pytest.fixture(autouse=True)
def _clean_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the base tox.ini; hide GITHUB_* so inner runs do not write to the outer job."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    write_ini(pytester)
