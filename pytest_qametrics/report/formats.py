"""The report formats a user may ask for."""

from __future__ import annotations

__all__ = ["FORMATS"]

FORMATS = ("html", "json", "csv")
