"""Customer records kept in memory: create, read, update, delete, safe across request threads."""

from __future__ import annotations

import itertools
import threading
from typing import Any

__all__ = ["CustomerStore", "ValidationError"]

FIELDS = ("name", "email", "phone", "plan")
REQUIRED = ("name", "email")


class ValidationError(ValueError):
    """A customer payload that cannot be stored; the message says which field is wrong."""


def _validated(payload: object, *, partial: bool) -> dict[str, str]:
    if not isinstance(payload, dict):
        raise ValidationError("the body must be a JSON object")
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise ValidationError(f"unknown fields: {', '.join(unknown)}")
    missing = [] if partial else [f for f in REQUIRED if not payload.get(f)]
    if missing:
        raise ValidationError(f"missing fields: {', '.join(missing)}")
    if not all(isinstance(value, str) for value in payload.values()):
        raise ValidationError("every field must be a string")
    if "email" in payload and "@" not in payload["email"]:
        raise ValidationError(f"not an email address: {payload['email']!r}")
    return dict(payload)


class CustomerStore:
    """Customers by id; ids are increasing integers, as in ``/customers/42``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._customers: dict[int, dict[str, Any]] = {}

    def create(self, payload: object) -> dict[str, Any]:
        """Store a new customer and return it with its id."""
        fields = _validated(payload, partial=False)
        with self._lock:
            customer_id = next(self._ids)
            customer = {"id": customer_id, "plan": "free", **fields}
            self._customers[customer_id] = customer
            return dict(customer)

    def get(self, customer_id: int) -> dict[str, Any] | None:
        """Return the customer, or None when there is no such id."""
        with self._lock:
            customer = self._customers.get(customer_id)
            return None if customer is None else dict(customer)

    def update(self, customer_id: int, payload: object) -> dict[str, Any] | None:
        """Change some fields of a customer; None when there is no such id."""
        fields = _validated(payload, partial=True)
        with self._lock:
            customer = self._customers.get(customer_id)
            if customer is None:
                return None
            customer.update(fields)
            return dict(customer)

    def delete(self, customer_id: int) -> bool:
        """Remove a customer; False when there was none."""
        with self._lock:
            return self._customers.pop(customer_id, None) is not None
