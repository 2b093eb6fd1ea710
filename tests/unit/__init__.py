"""Unit tests of the pure core of pytest-qametrics: no pytester, no plugin hooks."""
