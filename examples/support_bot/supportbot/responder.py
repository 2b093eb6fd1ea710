"""A seeded stochastic responder: the stand-in for an LLM agent that answers customer queries.

A real agent answers the same question differently from one call to the next. This one is right
with a fixed probability per intent, and every draw comes from ``random.Random`` seeded with
``(seed, case, trial)``, so a trial gives the same answer in every run, on every worker, in any
order. ``SUPPORT_BOT_AGENT_ACCURACY=0.5`` replaces every intent's probability (the breach variant).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

from supportbot.policy import REPLIES

__all__ = [
    "ACCURACY",
    "HANDOFF",
    "PRICE_PER_1K_TOKENS",
    "Answer",
    "accuracy",
    "respond",
]

#: How often the agent answers each intent correctly, as shipped.
ACCURACY = {
    "account_update": 0.99,
    "billing": 0.98,
    "cancel_subscription": 0.99,
    "complaint": 0.97,
    "password_reset": 0.995,
    "refund": 0.98,
    "sales_inquiry": 0.99,
    "shipping_status": 0.99,
    "technical_issue": 0.97,
}
#: The reply to a complaint: a person takes over (as in ``policy.decide``).
HANDOFF = "I'm sorry; a team lead will call you."
#: A simulated price, in US dollars per 1,000 tokens (prompt and completion alike).
PRICE_PER_1K_TOKENS = 0.002
#: Tokens of the system prompt sent with every query.
PROMPT_TOKENS = 180
#: How long one call takes: an agent's answer is not instant.
CALL_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class Answer:
    """One reply of the agent: the intent it acted on, its text, and what the call cost."""

    intent: str
    reply: str
    tokens: int
    cost_usd: float


def expected_reply(intent: str) -> str:
    """The right reply to a query of ``intent``."""
    return HANDOFF if intent == "complaint" else REPLIES[intent]


def accuracy(intent: str) -> float:
    """The chance of a right answer: ``SUPPORT_BOT_AGENT_ACCURACY`` if set, else the intent's."""
    override = os.environ.get("SUPPORT_BOT_AGENT_ACCURACY")
    if override is None:
        return ACCURACY[intent]
    value = float(override)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"SUPPORT_BOT_AGENT_ACCURACY must lie in [0, 1], not {value}")
    return value


def _tokens(text: str) -> int:
    """A rough token count: about four tokens for every three words."""
    return max(1, round(len(text.split()) * 4 / 3))


def respond(text: str, intent: str, case: str, trial: int, seed: int = 11) -> Answer:
    """Answer ``text`` (a query of ``intent``) in trial ``trial`` of ``case``, deterministically.

    A right answer is the intent's reply; a wrong one is another intent's reply, as an agent
    that misread the query would give.
    """
    rng = random.Random(f"{seed}:{case}:{trial}")
    time.sleep(CALL_SECONDS)
    if rng.random() < accuracy(intent):
        chosen = intent
    else:
        chosen = rng.choice(sorted(name for name in ACCURACY if name != intent))
    reply = expected_reply(chosen)
    tokens = PROMPT_TOKENS + _tokens(text) + _tokens(reply)
    return Answer(chosen, reply, tokens, tokens * PRICE_PER_1K_TOKENS / 1000)
