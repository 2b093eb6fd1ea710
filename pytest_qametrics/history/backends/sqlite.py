"""The SQLite backend: a history file in WAL mode, writers queued by ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pytest_qametrics.history.backends import Backend, Dialect, Identity, Row
from pytest_qametrics.history.errors import HistoryError
from pytest_qametrics.history.target import HistoryTarget

__all__ = ["APPLICATION_ID", "SQLITE", "SqliteBackend"]

#: ``PRAGMA application_id`` of every history file ("QMHS"), so a foreign database is recognised.
APPLICATION_ID = 0x514D4853

SQLITE = Dialect(
    name="sqlite",
    serial="INTEGER PRIMARY KEY AUTOINCREMENT",
    int="INTEGER",
    real="REAL",
    blob="BLOB",
    without_rowid=" WITHOUT ROWID",
)


class SqliteBackend(Backend):
    """An SQLite file: WAL mode and a busy timeout, so processes finishing together queue up."""

    dialect = SQLITE

    def __init__(self, target: HistoryTarget, create: bool, timeout: float) -> None:
        super().__init__(target)
        path = target.path
        if path is None:  # pragma: no cover - parse_target gives every file target a path
            raise HistoryError("an SQLite history needs a file path")
        self.timeout = timeout
        if not create and not path.exists():
            raise HistoryError(f"there is no history file at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise HistoryError(f"cannot open the history file {path}: {err}") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.identify().state != "foreign":  # another program's file stays unchanged
                _use_wal(self._db, timeout)
        except sqlite3.Error as err:
            self._db.close()
            raise HistoryError(self.explain(err)) from None
        except HistoryError:  # identify() on a file that is not a database
            self._db.close()
            raise

    def explain(self, err: sqlite3.Error) -> str:
        """The message of a HistoryError for ``err``."""
        path = self.target.shown
        if isinstance(err, sqlite3.DatabaseError) and "not a database" in str(err):
            return (
                f"{path} is not a pytest-qametrics history file (SQLite says: {err}); it is "
                f"damaged or another kind of file: move it away or choose another "
                f"--qametrics-history path"
            )
        if "locked" in str(err) or "busy" in str(err):
            return f"{path} stayed locked by another process for {self.timeout:g} s: {err}"
        return f"cannot use the history file {path}: {err}"

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        try:
            return self._db.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error as err:
            raise HistoryError(self.explain(err)) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as err:
            raise HistoryError(self.explain(err)) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock first, so writers queue."""
        self.query("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as err:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise HistoryError(self.explain(err)) from None

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """The write lock of ``BEGIN IMMEDIATE`` is the migration lock too."""
        with self.transaction():
            yield

    def identify(self) -> Identity:
        application = int(self.query("PRAGMA application_id")[0][0])
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = tuple(str(name) for (name,) in rows)
        if application == 0 and not tables:
            return Identity("new")
        if application != APPLICATION_ID or "schema_version" not in tables:
            return Identity(
                "foreign",
                tables,
                f"an SQLite database of another program with application id {application:#x}",
            )
        return Identity("ours", tables)

    def claim(self) -> None:
        self.query(f"PRAGMA application_id = {APPLICATION_ID}")

    def close(self) -> None:
        self._db.close()


def _use_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL mode once (the mode is stored in the file).

    SQLite answers "database is locked" at once, without the busy timeout, when two processes
    convert a new file together, so the switch is retried until ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
