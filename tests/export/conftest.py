"""Session-wide real servers (started once, stopped at the end) and per-test webhook receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .projects import write_ini
from .servers import Gateway, Prometheus, Receiver


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A real Pushgateway for the whole test session."""
    started = Gateway.start(tmp_path_factory.mktemp("pushgateway"))
    yield started
    started.stop()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory, gateway: Gateway) -> Iterator[Prometheus]:
    """A real Prometheus scraping ``gateway`` every second, for the whole test session."""
    started = Prometheus.start(tmp_path_factory.mktemp("prometheus"), gateway)
    yield started
    started.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver answering 200 at once (tests may change ``status`` and ``delay``)."""
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _clean_project(pytester: pytest.Pytester) -> None:
    """Every inner project starts from the same tox.ini as the report tests."""
    write_ini(pytester)
