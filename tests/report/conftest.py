"""Inner projects start from the same tox.ini, and never see the outer CI's GitHub variables."""

from __future__ import annotations

import pytest

from .projects import write_ini


@pytest.fixture(autouse=True)
def _clean_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the base tox.ini (the root conftest hides the outer run's GITHUB_* variables)."""
    write_ini(pytester)
