"""The one error of the history stage: a history file or server that cannot be used."""

from __future__ import annotations

__all__ = ["HistoryError"]


class HistoryError(Exception):
    """A history that cannot be used; the message names the file or server and what to do."""
