"""The version of pytest-qametrics, in a module of its own so any stage can read it cheaply."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
