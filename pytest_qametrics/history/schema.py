"""The history file's tables, its version number and the migrations between versions."""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "HistoryError", "migrate"]

#: ``PRAGMA application_id`` of every history file ("QMHS"), so a foreign database is recognised.
APPLICATION_ID = 0x514D4853

#: Statements that take a file from version ``v - 1`` to ``v``. Never edit a shipped version:
#: add the next one. Each list runs inside the transaction that also bumps ``schema_version``.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started TEXT NOT NULL,
            git_commit TEXT,
            git_branch TEXT,
            host TEXT,
            python TEXT,
            plugin_version TEXT,
            exit_status INTEGER NOT NULL
        )""",
        "CREATE INDEX runs_by_branch ON runs (git_branch, id)",
        """CREATE TABLE series_stats (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (run_id, scope, tracker, name, statistic)
        ) WITHOUT ROWID""",
        """CREATE TABLE slo_verdicts (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            statistic TEXT NOT NULL,
            part TEXT,
            comparison TEXT NOT NULL,
            threshold REAL NOT NULL,
            observed REAL,
            n INTEGER NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (run_id, position)
        )""",
    ),
    # v2: the mergeable histogram of each duration series, so later runs can test against it.
    2: (
        """CREATE TABLE series_histograms (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            alpha REAL NOT NULL,
            bucket_offset INTEGER NOT NULL,
            counts BLOB NOT NULL,
            zeros INTEGER NOT NULL,
            count INTEGER NOT NULL,
            sum REAL NOT NULL,
            sum_sq REAL NOT NULL,
            min REAL,
            max REAL,
            PRIMARY KEY (run_id, scope, tracker, name)
        ) WITHOUT ROWID""",
    ),
    # v3: confusion matrices (significance of F1 and friends) and each run's duration.
    3: (
        """CREATE TABLE series_confusion (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            scope TEXT NOT NULL,
            tracker TEXT NOT NULL,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,
            matrix TEXT NOT NULL,
            PRIMARY KEY (run_id, scope, tracker, name)
        ) WITHOUT ROWID""",
        "ALTER TABLE runs ADD COLUMN duration REAL",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)


class HistoryError(Exception):
    """A history file that cannot be used; the message names the file and what to do."""


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [str(name) for (name,) in rows]


def _version(connection: sqlite3.Connection, where: str) -> int:
    """The file's schema version: 0 for a new, empty file."""
    application = int(connection.execute("PRAGMA application_id").fetchone()[0])
    tables = _tables(connection)
    if application == 0 and not tables:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version (version) VALUES (0)")
        return 0
    if application != APPLICATION_ID or "schema_version" not in tables:
        shown = ", ".join(tables[:5]) or "none"
        raise HistoryError(
            f"{where} is an SQLite database of another program (application id "
            f"{application:#x}, tables: {shown}), not a pytest-qametrics history file; "
            f"choose another path for --qametrics-history"
        )
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        raise HistoryError(f"{where} has no schema version row; the file is damaged")
    return int(row[0])


def migrate(connection: sqlite3.Connection, where: str) -> int:
    """Bring the file to SCHEMA_VERSION inside one write transaction; return the old version.

    The caller has begun the transaction (``BEGIN IMMEDIATE``), so of two processes opening a
    new or old file at once, one migrates and the other then sees the migrated file.
    """
    version = _version(connection, where)
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{where} has history schema version {version}, but this pytest-qametrics reads "
            f"versions up to {SCHEMA_VERSION}; upgrade pytest-qametrics to use the file"
        )
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[step]:
            connection.execute(statement)
    if version < SCHEMA_VERSION:
        connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    return version
