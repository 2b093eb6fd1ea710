"""The export tests need Debian's binaries: CI fails without them, a developer's machine skips."""

from __future__ import annotations

import pytest

from .servers import need_binary


def test_a_missing_binary_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the export tests"):
        need_binary("prometheus-pushgateway")


def test_a_missing_binary_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install prometheus"):
        need_binary("prometheus")


def test_the_installed_binaries_are_found() -> None:
    assert need_binary("prometheus").endswith("/prometheus")
    assert need_binary("prometheus-pushgateway").endswith("/prometheus-pushgateway")
