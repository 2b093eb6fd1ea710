"""The history's tables, its version number and the migrations between versions.

The statements are written once for every backend: ``{serial}``, ``{int}``, ``{real}``,
``{blob}`` and ``{without_rowid}`` are filled in by the backend's dialect.
"""

from __future__ import annotations

from pytest_qametrics.history.backends import Backend
from pytest_qametrics.history.backends.sqlite import APPLICATION_ID
from pytest_qametrics.history.errors import HistoryError

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "HistoryError", "migrate"]

#: Statements that take a history from version ``v - 1`` to ``v``. Never edit a shipped version:
#: add the next one. Each list runs inside the transaction that also bumps ``schema_version``.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE runs (
            id {serial},
            started TEXT NOT NULL,
            git_commit TEXT,
            git_branch TEXT,
            host TEXT,
            python TEXT,
            plugin_version TEXT,
            exit_status {int} NOT NULL
        )""",
        "CREATE INDEX runs_by_branch ON runs (git_branch, id)",
        """CREATE TABLE series_stats (
            run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value {real} NOT NULL,
            PRIMARY KEY (run_id, scope, tracker, name, statistic)
        ){without_rowid}""",
        """CREATE TABLE slo_verdicts (
            run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position {int} NOT NULL,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            part TEXT,
            comparison TEXT NOT NULL,
            threshold {real} NOT NULL,
            observed {real},
            n {int} NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (run_id, position)
        )""",
    ),
    # v2: the mergeable histogram of each duration series, so later runs can test against it.
    2: (
        """CREATE TABLE series_histograms (
            run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            alpha {real} NOT NULL,
            bucket_offset {int} NOT NULL,
            counts {blob} NOT NULL,
            zeros {int} NOT NULL,
            count {int} NOT NULL,
            sum {real} NOT NULL,
            sum_sq {real} NOT NULL,
            min {real},
            max {real},
            PRIMARY KEY (run_id, scope, tracker, name)
        ){without_rowid}""",
    ),
    # v3: confusion matrices (significance of F1 and friends) and each run's duration.
    3: (
        """CREATE TABLE series_confusion (
            run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,
            matrix TEXT NOT NULL,
            PRIMARY KEY (run_id, scope, tracker, name)
        ){without_rowid}""",
        "ALTER TABLE runs ADD COLUMN duration {real}",
    ),
    # v4: the error messages of each latency series and the sample size an inconclusive
    # verdict needed, for the recommendations of the weekly report.
    4: (
        "ALTER TABLE slo_verdicts ADD COLUMN needed {int}",
        """CREATE TABLE series_errors (
            run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            message TEXT NOT NULL,
            count {int} NOT NULL,
            PRIMARY KEY (run_id, scope, tracker, name, message)
        ){without_rowid}""",
        "CREATE INDEX runs_by_start ON runs (started)",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)


def _version(backend: Backend) -> int:
    """The history's schema version: 0 for a new, empty database (then marked as ours)."""
    where = backend.target.shown
    identity = backend.identify()
    if identity.state == "new":
        backend.query("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        backend.query("INSERT INTO schema_version (version) VALUES (0)")
        backend.claim()
        return 0
    if identity.state == "foreign":
        shown = ", ".join(identity.tables[:5]) or "none"
        raise HistoryError(
            f"{where} is {identity.detail}, tables: {shown}; it is not a pytest-qametrics "
            f"history: choose another path or database for --qametrics-history"
        )
    rows = backend.query("SELECT version FROM schema_version")
    if not rows:
        raise HistoryError(f"{where} has no schema version row; the history is damaged")
    return int(rows[0][0])


def migrate(backend: Backend) -> int:
    """Bring the history to SCHEMA_VERSION under the migration lock; return the old version.

    Of many processes opening a new or old history at once, one migrates and the others wait
    for the lock and then see the migrated history.
    """
    with backend.schema_lock():
        version = _version(backend)
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{backend.target.shown} has history schema version {version}, but this "
                f"pytest-qametrics reads versions up to {SCHEMA_VERSION}; upgrade "
                f"pytest-qametrics to use it"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                backend.query(backend.dialect.ddl(statement))
        if version < SCHEMA_VERSION:
            backend.query("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    return version
