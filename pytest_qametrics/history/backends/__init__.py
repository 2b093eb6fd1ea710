"""The small interface the history store speaks: one backend per database, with its SQL dialect.

The store writes its SQL once, with ``?`` placeholders and the column types of
:class:`Dialect`; a backend turns that into its database's dialect, runs it, and turns every
error of its driver into a ``HistoryError`` that names the file or server (never a password).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from pytest_qametrics.history.target import HistoryTarget

__all__ = ["Backend", "Dialect", "Identity", "chunks", "open_backend"]

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Dialect:
    """The column types and clauses the schema's statements are written with."""

    name: str
    #: an auto-numbered primary key column
    serial: str
    #: a whole number, including run ids that reference a serial column
    int: str
    real: str
    blob: str
    #: appended to tables whose rows are found by their primary key only
    without_rowid: str

    def ddl(self, statement: str) -> str:
        """``statement`` with ``{serial}``, ``{int}``, ``{real}``, ... filled in."""
        return statement.format(
            serial=self.serial,
            int=self.int,
            real=self.real,
            blob=self.blob,
            without_rowid=self.without_rowid,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """What a database holds: nothing yet, a history of ours, or another program's data."""

    state: str  # "new" | "ours" | "foreign"
    tables: tuple[str, ...] = ()
    detail: str = ""


class Backend(ABC):
    """An open connection to one history database."""

    dialect: Dialect

    def __init__(self, target: HistoryTarget) -> None:
        self.target = target

    @abstractmethod
    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; return its rows (empty for statements without rows)."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for every row of parameters."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction: commits on success, rolls back on an error."""

    @abstractmethod
    def schema_lock(self) -> AbstractContextManager[None]:
        """A write transaction that also holds the migration lock of the database."""

    @abstractmethod
    def identify(self) -> Identity:
        """What the database holds (called inside :meth:`schema_lock`)."""

    @abstractmethod
    def claim(self) -> None:
        """Mark a new database as a pytest-qametrics history (inside :meth:`schema_lock`)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


def open_backend(target: HistoryTarget, create: bool, timeout: float) -> Backend:
    """Connect to ``target``; raise HistoryError when that is not possible."""
    if target.kind == "postgresql":
        from pytest_qametrics.history.backends.postgres import PostgresBackend

        return PostgresBackend(target, timeout)
    from pytest_qametrics.history.backends.sqlite import SqliteBackend

    return SqliteBackend(target, create, timeout)


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size`` (for ``IN (?, ...)`` lists)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
