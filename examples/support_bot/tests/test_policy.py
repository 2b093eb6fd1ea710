"""The answer policy on its own: who gets a person and why, whatever the model predicts."""

from __future__ import annotations

import pytest
from supportbot.policy import CONFIDENCE_FLOOR, REFUND_LIMIT, decide


def test_a_complaint_is_handed_to_an_agent() -> None:
    decision = decide("complaint", 0.9, attempt=1, amount=None)

    assert (decision.outcome, decision.reason) == ("escalated_to_agent", "customer_unsatisfied")


def test_a_refund_above_the_limit_goes_to_a_specialist() -> None:
    decision = decide("refund", 0.9, attempt=1, amount=REFUND_LIMIT + 0.01)

    assert (decision.outcome, decision.reason) == ("escalated_to_specialist", "policy_violation")


@pytest.mark.parametrize("amount", [None, 12.0, REFUND_LIMIT])
def test_a_refund_up_to_the_limit_is_resolved_automatically(amount: float | None) -> None:
    decision = decide("refund", 0.9, attempt=1, amount=amount)

    assert (decision.outcome, decision.reason) == ("resolved_automatically", None)


def test_an_unsure_reading_is_handed_to_an_agent_as_a_complex_issue() -> None:
    decision = decide("billing", CONFIDENCE_FLOOR - 0.01, attempt=1, amount=None)

    assert (decision.outcome, decision.reason) == ("escalated_to_agent", "complex_issue")


def test_a_third_message_reaches_a_person_even_when_the_bot_is_sure() -> None:
    decision = decide("shipping_status", 0.99, attempt=3, amount=None)

    assert (decision.outcome, decision.reason) == ("escalated_to_agent", "customer_unsatisfied")
