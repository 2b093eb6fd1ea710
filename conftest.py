"""Shared setup for the project's own tests: the pytester fixture drives real pytest runs."""

from __future__ import annotations

import pytest

# The accuracy tracker imports scikit-learn on first use. pytester restores sys.modules after
# each in-process run, so a second run would import scipy's C extensions again, which fails
# ("cannot load module more than once per process"); imported here, they stay loaded.
import sklearn.metrics  # noqa: F401

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_ci_integrations_from_the_outer_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest runs must not write to the real CI job summary or print annotations."""
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
