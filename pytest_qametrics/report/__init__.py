"""Report model and its renderers (JSON, CSV, HTML); pure functions of one report dict."""

from __future__ import annotations
