"""Real servers for the export tests: Pushgateway, Prometheus and webhook receivers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

__all__ = ["Gateway", "Prometheus", "Receiver", "Recorded", "free_port", "need_binary"]


def need_binary(name: str) -> str:
    """The path of a Debian binary; a failure under CI=true (CI must run these), else a skip."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed: apt-get install {name} (bash .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the export tests", pytrace=False)
        pytest.skip(reason)
    return path


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready in 30 s:\n{log.read_text()}")


@dataclass
class _Process:
    """A started server process with its log, stopped (and waited for) by ``stop``."""

    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _start(command: list[str], log: Path, ready: str) -> _Process:
    stream = log.open("wb")
    process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    stream.close()
    started = _Process(process, log)
    try:
        _wait_ready(ready, process, log)
    except BaseException:
        started.stop()
        raise
    return started


@dataclass
class Gateway:
    """A real Pushgateway (Debian's prometheus-pushgateway) on an ephemeral port."""

    port: int
    server: _Process

    @classmethod
    def start(cls, directory: Path) -> Gateway:
        binary = need_binary("prometheus-pushgateway")
        port = free_port()
        # --persistence.file= keeps the groups in memory only: Debian's default is a file in
        # /var/lib/prometheus that every later gateway on the machine would load
        command = [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            "--persistence.file=",
            "--log.level=warn",
        ]
        server = _start(command, directory / "pushgateway.log", f"http://127.0.0.1:{port}/-/ready")
        return cls(port, server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metrics(self) -> str:
        """The gateway's own /metrics page: every pushed group, as Prometheus scrapes it."""
        return requests.get(f"{self.url}/metrics", timeout=5).text

    def wipe(self) -> None:
        """Delete every group (the admin API's wipe), so a test starts from nothing."""
        requests.put(f"{self.url}/api/v1/admin/wipe", timeout=5).raise_for_status()

    def stop(self) -> None:
        self.server.stop()


@dataclass
class Prometheus:
    """A real Prometheus (Debian's prometheus) scraping a gateway every second."""

    port: int
    server: _Process

    @classmethod
    def start(cls, directory: Path, gateway: Gateway) -> Prometheus:
        binary = need_binary("prometheus")
        port = free_port()
        config = directory / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{gateway.port}']\n",
            encoding="utf-8",
        )
        command = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        server = _start(command, directory / "prometheus.log", f"http://127.0.0.1:{port}/-/ready")
        return cls(port, server)

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant vector of a PromQL expression (HTTP API), now."""
        answer = requests.get(
            f"http://127.0.0.1:{self.port}/api/v1/query", params={"query": promql}, timeout=10
        )
        body = answer.json()
        if body.get("status") != "success":
            raise AssertionError(f"{promql!r}: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def query_until(
        self, promql: str, done: Callable[[list[dict[str, Any]]], bool], seconds: float = 30
    ) -> list[dict[str, Any]]:
        """Query until ``done`` accepts the result (scrapes come every second)."""
        deadline = time.monotonic() + seconds
        while True:
            result = self.query(promql)
            if done(result) or time.monotonic() > deadline:
                return result
            time.sleep(0.5)

    def stop(self) -> None:
        self.server.stop()


@dataclass(frozen=True)
class Recorded:
    """One request a receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver (http.server in a thread) that records every request it gets and
    answers ``status`` after sleeping ``delay`` seconds."""

    status: int = 200
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the client gave up waiting
                    pass

            do_POST = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("start the receiver first")
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
