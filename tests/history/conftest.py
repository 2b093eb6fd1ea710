"""Inner projects start from the same pytest.ini, with no git branch hints from the outer CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# The accuracy tracker imports scikit-learn on first use; imported here once, its C extensions
# stay loaded across pytester's in-process runs (a second import of scipy would fail).
import sklearn.metrics  # noqa: F401

from .pgserver import BIN, PgServer, start_server
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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL 15 server for this test process; a missing one fails under CI=true."""
    if not (BIN / "initdb").exists():
        message = f"PostgreSQL 15 is not installed ({BIN / 'initdb'} is missing)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; .ci/run installs the postgresql package")
        pytest.skip(message)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test keeps its history: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "h.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.new_database())
