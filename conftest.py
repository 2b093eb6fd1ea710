"""Shared setup for the project's own tests: the pytester fixture drives real pytest runs."""

from __future__ import annotations

pytest_plugins = ["pytester"]
