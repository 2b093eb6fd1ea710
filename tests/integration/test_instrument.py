"""``latency_tracker.instrument(session)`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from pytest_qametrics import LatencyTracker

from .inner_runs import slo_section

_STATUS = re.compile(r"/status/(\d{3})")


class _Handler(BaseHTTPRequestHandler):
    """``/status/NNN`` answers NNN, ``/slow`` answers after half a second, anything else 200."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(0.5)
        match = _STATUS.fullmatch(path)
        self.send_response(int(match.group(1)) if match else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A port that is bound but not listening: connecting to it is refused, without races."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def test_requests_to_one_route_with_different_ids_are_one_operation(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    with latency_tracker.instrument(session):
        session.get(f"{server_url}/customers/42")
        session.get(f"{server_url}/customers/7?expand=orders")
        session.put(f"{server_url}/customers/7", json={"plan": "pro"})

    assert latency_tracker.stats("GET /customers/{id}").count == 2
    assert latency_tracker.stats("PUT /customers/{id}").count == 1
    assert latency_tracker.stats().count == 3


def test_route_rules_rewrite_the_path_before_the_id_rule(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    rules = [(r"^/users/[^/]+", "/users/{name}")]
    with latency_tracker.instrument(session, operation_name=rules):
        session.get(f"{server_url}/users/alice/orders/3")
        session.get(f"{server_url}/users/bob/orders/4")

    assert latency_tracker.stats("GET /users/{name}/orders/{id}").count == 2


def test_a_callable_names_the_operation_itself(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    def by_last_segment(method: str, url: str) -> str:
        return f"{method.lower()}:{url.rsplit('/', 1)[-1]}"

    with latency_tracker.instrument(session, operation_name=by_last_segment):
        session.get(f"{server_url}/api/v2/checkout")

    assert latency_tracker.stats("get:checkout").count == 1


def test_statuses_from_400_fail_with_their_code_and_a_201_succeeds(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    with latency_tracker.instrument(session):
        created = session.post(f"{server_url}/status/201")
        missing = session.get(f"{server_url}/status/404")
        broken = session.get(f"{server_url}/status/500")

    assert [created.status_code, missing.status_code, broken.status_code] == [201, 404, 500]
    assert latency_tracker.stats("POST /status/{id}").failure_count == 0
    failed = latency_tracker.stats("GET /status/{id}")
    assert (failed.count, failed.failure_count) == (2, 2)
    assert failed.errors == {"HTTP 404": 1, "HTTP 500": 1}


@pytest.mark.parametrize(
    "failure_status",
    [500, {500, 503}, range(500, 600), lambda status: status >= 500],
    ids=["first-failing-status", "set", "range", "callable"],
)
def test_failure_status_can_make_client_errors_count_as_successes(
    latency_tracker: LatencyTracker,
    session: requests.Session,
    server_url: str,
    failure_status: Any,
) -> None:
    with latency_tracker.instrument(session, failure_status=failure_status):
        session.get(f"{server_url}/status/404")
        session.get(f"{server_url}/status/500")

    stats = latency_tracker.stats()
    assert (stats.success_count, stats.errors) == (1, {"HTTP 500": 1})


def test_a_timeout_is_recorded_as_a_failure_and_re_raised(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    with latency_tracker.instrument(session), pytest.raises(requests.Timeout):
        session.get(f"{server_url}/slow", timeout=0.05)

    stats = latency_tracker.stats("GET /slow")
    assert (stats.count, stats.failure_count) == (1, 1)
    assert list(stats.errors) == ["ReadTimeout: Read timed out. (read timeout=0.05)"]


def test_a_refused_connection_is_recorded_as_a_failure_and_re_raised(
    latency_tracker: LatencyTracker, session: requests.Session, refused_url: str
) -> None:
    with latency_tracker.instrument(session), pytest.raises(requests.ConnectionError):
        session.get(f"{refused_url}/customers/1")

    stats = latency_tracker.stats("GET /customers/{id}")
    assert (stats.count, stats.failure_count) == (1, 1)
    [message] = stats.errors
    assert message.startswith("ConnectionError: Failed to establish a new connection")
    assert "Connection refused" in message
    assert "port=" not in message


def test_closing_restores_the_session_and_nothing_is_recorded_after(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    handle = latency_tracker.instrument(session)
    session.get(f"{server_url}/a")
    handle.close()
    handle.close()
    session.get(f"{server_url}/a")

    assert "request" not in vars(session)
    assert not handle.active
    assert latency_tracker.stats().count == 1


def test_leaving_the_with_block_uninstruments(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    with latency_tracker.instrument(session) as handle:
        assert handle.active
        assert handle.session is session
    session.get(f"{server_url}/a")

    assert latency_tracker.stats().count == 0


def test_instrumenting_an_instrumented_session_raises_until_the_first_is_closed(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    first = latency_tracker.instrument(session)
    with pytest.raises(RuntimeError, match="already instrumented; close the first handle"):
        latency_tracker.instrument(session)
    first.close()
    with latency_tracker.instrument(session, tag="second"):
        session.get(f"{server_url}/a")

    assert latency_tracker.stats().count == 1


def test_a_request_method_set_on_the_session_is_put_back_on_close(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    calls: list[str] = []
    original = session.request

    def logging_request(method: str, url: str, **kwargs: Any) -> requests.Response:
        calls.append(url)
        return original(method, url, **kwargs)

    session.request = logging_request  # type: ignore[method-assign, assignment]
    with latency_tracker.instrument(session):
        session.get(f"{server_url}/a")

    assert session.request is logging_request
    assert len(calls) == 1
    assert latency_tracker.stats("GET /a").count == 1


def test_a_wrapper_added_on_top_stays_but_stops_recording_on_close(
    latency_tracker: LatencyTracker, session: requests.Session, server_url: str
) -> None:
    handle = latency_tracker.instrument(session)
    instrumented = session.request

    def outer(method: str, url: str, **kwargs: Any) -> requests.Response:
        return instrumented(method, url, **kwargs)

    session.request = outer  # type: ignore[method-assign, assignment]
    handle.close()
    session.get(f"{server_url}/a")

    assert session.request is outer
    assert latency_tracker.stats().count == 0


def test_an_operation_name_that_is_not_a_string_fails_before_the_request_is_sent(
    latency_tracker: LatencyTracker, session: requests.Session, refused_url: str
) -> None:
    with (
        latency_tracker.instrument(session, operation_name=lambda method, url: ""),
        pytest.raises(ValueError, match="must return a non-empty str"),
    ):
        session.get(f"{refused_url}/a")

    assert latency_tracker.stats().count == 0


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"operation_name": "GET /x"}, TypeError, "not a string"),
        ({"operation_name": [("^/x",)]}, TypeError, r"a \(pattern, replacement\) pair"),
        ({"failure_status": True}, TypeError, "an int, a set or a callable"),
        ({"failure_status": "500"}, TypeError, "an int, a set or a callable"),
        ({"failure_status": 4.5}, TypeError, "must be an int"),
        ({"client": 1.5}, ValueError, "tag client=1.5 must be a str, int or bool"),
        ({"error": "x"}, ValueError, "error cannot be a tag name"),
    ],
)
def test_bad_arguments_are_rejected_at_the_call(
    latency_tracker: LatencyTracker,
    session: requests.Session,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        latency_tracker.instrument(session, **arguments)

    assert "request" not in vars(session)


INNER_CONFTEST = """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pytest
    import requests


    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status = 500 if self.path.startswith("/orders/") else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass


    @pytest.fixture(scope="session")
    def base_url():
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        server.server_close()


    @pytest.fixture
    def api(latency_tracker):
        with requests.Session() as session, latency_tracker.instrument(session):
            yield session
"""


def test_an_slo_on_an_instrumented_operation_judges_its_requests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(
        test_api="""
        import pytest

        @pytest.mark.slo(p95="<=5s", error_rate=0, operation="GET /customers/{id}")
        @pytest.mark.parametrize("customer", range(1, 6))
        def test_read_customer(api, base_url, customer):
            assert api.get(f"{base_url}/customers/{customer}").status_code == 200

        @pytest.mark.slo(error_rate="<=10%", operation="GET /orders/{id}")
        def test_read_orders(api, base_url):
            for order in (11, 12):
                api.get(f"{base_url}/orders/{order}")
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=6)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    section = slo_section(result)
    assert "latency[operation=GET /customers/{id}] error_rate = 0%" in "\n".join(section)
    assert section[-1] == "qametrics: 1 of 3 SLOs failed"
    failed = section.index("FAIL     test_api.py::test_read_orders")
    assert section[failed + 1].startswith(
        "         latency[operation=GET /orders/{id}] error_rate = 100%, needs <= 10% (n=2,"
    )


def test_an_instrumentation_left_open_is_closed_when_its_test_ends(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_forgetful="""
        import requests

        SESSION = requests.Session()
        ORIGINAL = SESSION.request
        HANDLES = []

        def test_forgets_to_close(latency_tracker):
            HANDLES.append(latency_tracker.instrument(SESSION))
            assert HANDLES[0].active

        def test_the_session_is_restored_afterwards(latency_tracker):
            assert not HANDLES[0].active
            assert SESSION.request == ORIGINAL
            latency_tracker.instrument(SESSION).close()  # no RuntimeError: it was released
        """
    )
    result = pytester.runpytest("-p", "no:benchmark", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
