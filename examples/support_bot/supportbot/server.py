"""The HTTP API on the standard library's ThreadingHTTPServer, and knobs that make it worse."""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from supportbot.customers import CustomerStore, ValidationError
from supportbot.model import IntentModel, load_queries
from supportbot.policy import decide

__all__ = ["Knobs", "RunningServer", "SupportBot", "start_server"]

_CUSTOMER = re.compile(r"/customers/(\d+)")


@dataclass(frozen=True, slots=True)
class Knobs:
    """Ways to make the service worse on purpose, for demonstrating a breached SLO.

    - ``SUPPORT_BOT_LATENCY_MS``: milliseconds added to every request;
    - ``SUPPORT_BOT_ERROR_RATE``: the fraction of requests answered with a 500 (seeded);
    - ``SUPPORT_BOT_LABEL_NOISE``: the fraction of training labels shuffled before training.
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    label_noise: float = 0.0
    seed: int = 20240611

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Knobs:
        """Read the knobs from environment variables; unset means off."""
        return cls(
            latency_ms=_number(environ, "SUPPORT_BOT_LATENCY_MS", 0.0, None),
            error_rate=_number(environ, "SUPPORT_BOT_ERROR_RATE", 0.0, 1.0),
            label_noise=_number(environ, "SUPPORT_BOT_LABEL_NOISE", 0.0, 1.0),
        )


def _number(environ: Mapping[str, str], name: str, low: float, high: float | None) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and {high}"
        raise ValueError(f"{name}={text!r} must be between {low}{upper}")
    return value


class SupportBot:
    """The application state: the trained model, the customers, and open conversations."""

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.model = IntentModel.train(load_queries("train"), knobs.label_noise)
        self.customers = CustomerStore()
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._failures = random.Random(knobs.seed)

    def injected_failure(self) -> bool:
        """Whether this request is one of the ``error_rate`` share that fails (seeded)."""
        if not self.knobs.error_rate:
            return False
        with self._lock:
            return self._failures.random() < self.knobs.error_rate

    def next_attempt(self, conversation_id: str) -> int:
        """Count one more customer message in a conversation and return its number."""
        with self._lock:
            attempt = self._attempts.get(conversation_id, 0) + 1
            self._attempts[conversation_id] = attempt
            return attempt


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: SupportBot) -> None:
        super().__init__(address, _Handler)
        self.app = app


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    disable_nagle_algorithm = True  # small JSON answers must not wait for a delayed ACK
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the tests measure the service, they do not read its access log."""

    def _serve(self, method: str) -> None:
        app = self.server.app
        try:
            body = self._body()
        except ValueError as err:
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(err)})
            return
        if app.knobs.latency_ms:
            time.sleep(app.knobs.latency_ms / 1000)
        if app.injected_failure():
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "injected failure"})
            return
        try:
            status, answer = _route(app, method, self.path.split("?")[0], body)
        except ValidationError as err:
            status, answer = HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(err)}
        self._send(status, answer)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        try:
            return json.loads(self.rfile.read(length))
        except json.JSONDecodeError as err:
            raise ValueError(f"the body is not JSON: {err}") from None

    def _send(self, status: HTTPStatus, answer: object) -> None:
        self.send_response(status)
        if status == HTTPStatus.NO_CONTENT:
            self.end_headers()
            return
        data = json.dumps(answer).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _route(app: SupportBot, method: str, path: str, body: Any) -> tuple[HTTPStatus, object]:
    if path == "/health" and method == "GET":
        return HTTPStatus.OK, {"status": "ok", "intents": app.model.intents}
    if path == "/classify" and method == "POST":
        return _classify(app, body)
    if path == "/respond" and method == "POST":
        return _respond(app, body)
    if path == "/customers" and method == "POST":
        customer = app.customers.create(body)
        return HTTPStatus.CREATED, customer
    match = _CUSTOMER.fullmatch(path)
    if match is not None and method in ("GET", "PUT", "DELETE"):
        return _customer(app, method, int(match.group(1)), body)
    known = path in ("/health", "/classify", "/respond", "/customers") or match is not None
    if known:
        return HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{method} is not allowed on {path}"}
    return HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"}


def _text(body: Any, field: str) -> str:
    value = body.get(field) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"'{field}' must be a non-empty string")
    return value


def _classify(app: SupportBot, body: Any) -> tuple[HTTPStatus, object]:
    intent, confidence = app.model.predict(_text(body, "text"))
    return HTTPStatus.OK, {"intent": intent, "confidence": confidence}


def _respond(app: SupportBot, body: Any) -> tuple[HTTPStatus, object]:
    conversation_id = _text(body, "conversation_id")
    message = _text(body, "message")
    amount = body.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        raise ValidationError("'amount' must be a number or null")
    intent, confidence = app.model.predict(message)
    attempt = app.next_attempt(conversation_id)
    decision = decide(intent, confidence, attempt, None if amount is None else float(amount))
    return HTTPStatus.OK, {
        "conversation_id": conversation_id,
        "attempt": attempt,
        "intent": intent,
        "confidence": confidence,
        "outcome": decision.outcome,
        "reason": decision.reason,
        "reply": decision.reply,
    }


def _customer(
    app: SupportBot, method: str, customer_id: int, body: Any
) -> tuple[HTTPStatus, object]:
    missing = (HTTPStatus.NOT_FOUND, {"error": f"no customer {customer_id}"})
    if method == "GET":
        customer = app.customers.get(customer_id)
        return missing if customer is None else (HTTPStatus.OK, customer)
    if method == "PUT":
        customer = app.customers.update(customer_id, body)
        return missing if customer is None else (HTTPStatus.OK, customer)
    deleted = app.customers.delete(customer_id)
    return (HTTPStatus.NO_CONTENT, None) if deleted else missing


class RunningServer:
    """A support bot serving on a background thread; ``close()`` stops it and frees the port."""

    def __init__(self, app: SupportBot, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C still interrupts)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def close(self) -> None:
        """Stop serving, close the listening socket and wait for the serving thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_server(
    knobs: Knobs | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Train the model and serve on ``host``; port 0 picks a free ephemeral port."""
    app = SupportBot(Knobs.from_env() if knobs is None else knobs)
    return RunningServer(app, host, port)
