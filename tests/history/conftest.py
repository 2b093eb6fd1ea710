"""Inner projects start from the same pytest.ini, with no git branch hints from the outer CI."""

from __future__ import annotations

import pytest

# The accuracy tracker imports scikit-learn on first use; imported here once, its C extensions
# stay loaded across pytester's in-process runs (a second import of scipy would fail).
import sklearn.metrics  # noqa: F401

from .projects import write_ini


@pytest.fixture(autouse=True)
def _clean_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the base ini; hide the CI variables that name a branch or publish summaries."""
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_WORKSPACE",
        "GITHUB_HEAD_REF",
        "GITHUB_REF_NAME",
        "CI_COMMIT_REF_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    write_ini(pytester)
