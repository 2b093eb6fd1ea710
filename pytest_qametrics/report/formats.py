"""The report formats a user may ask for (defined in ``choices``, which the settings read)."""

from __future__ import annotations

from pytest_qametrics.choices import DEFAULT_FORMATS, FILES, FORMATS, files_of

__all__ = ["DEFAULT_FORMATS", "FILES", "FORMATS", "files_of"]
