"""How instrument() names operations and describes failed requests, without a network."""

from __future__ import annotations

import pytest
import requests
from urllib3 import HTTPConnectionPool
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from pytest_qametrics.trackers.instrument import (
    collapse_ids,
    default_operation_name,
    describe_request_error,
)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/customers/42", "/customers/{id}"),
        ("/customers/42/orders/7", "/customers/{id}/orders/{id}"),
        ("/orders/3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b", "/orders/{id}"),
        ("/commits/5e8f3a9c0d1b2e4f6a7b8c9d", "/commits/{id}"),
        ("/customers", "/customers"),
        ("/customers/", "/customers/"),
        ("/v2/users/me", "/v2/users/me"),
        ("/files/cafe", "/files/cafe"),
        ("/files/deadbeef", "/files/deadbeef"),
        ("/", "/"),
    ],
)
def test_collapse_ids_replaces_id_segments_and_keeps_words(path: str, template: str) -> None:
    assert collapse_ids(path) == template


def test_default_operation_name_is_the_upper_case_method_and_the_route_without_host_or_query() -> (
    None
):
    url = "https://api.example.com:8443/customers/42?expand=orders#top"

    assert default_operation_name("get", url) == "GET /customers/{id}"
    assert default_operation_name("POST", "http://localhost:5000") == "POST /"


def test_a_refused_connection_is_described_by_its_innermost_reason_without_host_or_port() -> None:
    connection = HTTPConnection("127.0.0.1", 40123)
    cause = NewConnectionError(
        connection, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    pool = HTTPConnectionPool("127.0.0.1", 40123)
    error = requests.ConnectionError(MaxRetryError(pool, "/customers/1", cause))

    assert describe_request_error(error) == (
        "ConnectionError: Failed to establish a new connection: [Errno 111] Connection refused"
    )


def test_a_read_timeout_keeps_its_message_without_the_pool_prefix() -> None:
    pool = HTTPConnectionPool("10.0.0.7", 8080)
    error = requests.ReadTimeout(
        ReadTimeoutError(pool, "/slow", "Read timed out. (read timeout=2)")
    )

    assert describe_request_error(error) == "ReadTimeout: Read timed out. (read timeout=2)"


def test_an_exception_without_text_is_described_by_its_type() -> None:
    assert describe_request_error(requests.ReadTimeout()) == "ReadTimeout"
    assert describe_request_error(ValueError("bad header")) == "ValueError: bad header"
