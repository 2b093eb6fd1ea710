"""Shared setup for the project's own tests: the pytester fixture drives real pytest runs."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_ci_integrations_from_the_outer_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest runs must not write to the real CI job summary or print annotations."""
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
