"""Whole conversations through POST /respond: how many the bot resolves, why others escalate."""

from __future__ import annotations

import json
import uuid
from time import perf_counter
from typing import Any

import pytest
import requests
from supportbot.model import DATA_DIR

from pytest_qametrics import EscalationTracker, ResolutionOutcome

CONVERSATIONS: list[dict[str, Any]] = json.loads(
    (DATA_DIR / "conversations.json").read_text(encoding="utf-8")
)


def respond(
    api: requests.Session, base_url: str, conversation_id: str, message: str, amount: float | None
) -> dict[str, Any]:
    """Send one customer message and return the bot's answer."""
    payload = {"conversation_id": conversation_id, "message": message, "amount": amount}
    response = api.post(f"{base_url}/respond", json=payload, timeout=10)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# A customer writes each message in turn until a person takes over; writing again means the
# previous answer did not help, so a conversation resolved on its first message is a
# first-contact resolution.
@pytest.mark.slo(escalation_rate=0.35, fcr_rate=0.55, group="conversations")
@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_conversation_ends_resolved_or_with_a_person(
    api: requests.Session,
    base_url: str,
    escalation_tracker: EscalationTracker,
    conversation: dict[str, Any],
) -> None:
    started = perf_counter()
    for message in conversation["messages"]:
        answer = respond(api, base_url, conversation["id"], message, conversation.get("amount"))
        if answer["outcome"] != ResolutionOutcome.RESOLVED_AUTOMATICALLY:
            break
    escalation_tracker.record(
        answer["outcome"],
        reason=answer["reason"],
        resolution_time=perf_counter() - started,
        attempts=answer["attempt"],
        interaction_id=conversation["id"],
        customer_id=conversation["customer_id"],
        query=message,
        intent=answer["intent"],
    )


def test_the_third_message_of_a_conversation_reaches_a_person(
    api: requests.Session, base_url: str
) -> None:
    conversation = str(uuid.uuid4())
    messages = ["Where is my order?", "It still has not arrived", "Still nothing, where is it?"]

    outcomes = [respond(api, base_url, conversation, m, None)["outcome"] for m in messages]

    assert outcomes == ["resolved_automatically", "resolved_automatically", "escalated_to_agent"]
