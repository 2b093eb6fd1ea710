"""The customers API (the seeds' customer-creation case): each endpoint's p95, via requests."""

from __future__ import annotations

import pytest
import requests

# Every test here pools into one group; per="operation" judges each endpoint on its own
# ("POST /customers", "GET /customers/{id}", "PUT /customers/{id}", "DELETE /customers/{id}").
pytestmark = pytest.mark.slo(p95="<=200ms", per="operation", group="customers-api")

CUSTOMERS = [
    ("Ada Lovelace", "ada@example.com", "+44 20 7946 0001"),
    ("Grace Hopper", "grace@example.com", "+1 202 555 0102"),
    ("Alan Turing", "alan@example.co.uk", "+44 161 496 0103"),
    ("Katherine Johnson", "kj@example.com", "+1 757 555 0104"),
    ("Edsger Dijkstra", "edsger@example.nl", "+31 20 555 0105"),
    ("Barbara Liskov", "liskov@example.com", "+1 617 555 0106"),
    ("Donald Knuth", "knuth@example.com", "+1 650 555 0107"),
    ("Margaret Hamilton", "margaret@example.com", "+1 617 555 0108"),
    ("Tim Berners-Lee", "timbl@example.org", "+44 20 7946 0109"),
    ("Frances Allen", "fran@example.com", "+1 914 555 0110"),
    ("John McCarthy", "jmc@example.com", "+1 650 555 0111"),
    ("Radia Perlman", "radia@example.com", "+1 425 555 0112"),
    ("Ken Thompson", "ken@example.com", "+1 908 555 0113"),
    ("Sophie Wilson", "sophie@example.co.uk", "+44 1223 496 0114"),
    ("Niklaus Wirth", "wirth@example.ch", "+41 44 555 0115"),
    ("Shafi Goldwasser", "shafi@example.com", "+1 617 555 0116"),
    ("Guido van Rossum", "guido@example.nl", "+31 20 555 0117"),
    ("Hedy Lamarr", "hedy@example.at", "+43 1 555 0118"),
    ("Leslie Lamport", "lamport@example.com", "+1 650 555 0119"),
    ("Annie Easley", "annie@example.com", "+1 216 555 0120"),
]


# The seeds' case: creating a customer must stay fast, judged on all 20 creations at once.
@pytest.mark.slo(p95="<=150ms", operation="POST /customers", min_samples=20, group="customers-api")
@pytest.mark.parametrize(("name", "email", "phone"), CUSTOMERS, ids=[c[1] for c in CUSTOMERS])
def test_customer_can_be_created_read_updated_and_deleted(
    api: requests.Session, base_url: str, name: str, email: str, phone: str
) -> None:
    created = api.post(
        f"{base_url}/customers", json={"name": name, "email": email, "phone": phone}, timeout=10
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    url = f"{base_url}/customers/{customer['id']}"

    assert api.get(url, timeout=10).json() == customer
    updated = api.put(url, json={"plan": "pro"}, timeout=10)
    assert updated.json() == {**customer, "plan": "pro"}
    assert api.delete(url, timeout=10).status_code == 204
    assert api.get(url, timeout=10).status_code == 404


def test_creating_a_customer_without_an_email_is_rejected(
    api: requests.Session, base_url: str
) -> None:
    response = api.post(f"{base_url}/customers", json={"name": "No Email"}, timeout=10)

    assert response.status_code == 422
    assert response.json() == {"error": "missing fields: email"}


def test_updating_a_customer_that_does_not_exist_is_a_404(
    api: requests.Session, base_url: str
) -> None:
    response = api.put(f"{base_url}/customers/999999", json={"plan": "pro"}, timeout=10)

    assert response.status_code == 404
