"""The answer policy: reply automatically, or hand the conversation to a person and say why."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONFIDENCE_FLOOR",
    "MAX_AUTOMATED_ATTEMPTS",
    "REFUND_LIMIT",
    "Decision",
    "decide",
]

#: Below this top-class probability the bot does not trust its reading of the query.
CONFIDENCE_FLOOR = 0.40
#: Refunds above this amount (in the order's currency) need a specialist's approval.
REFUND_LIMIT = 100.0
#: A customer who writes this many times in one conversation gets a person.
MAX_AUTOMATED_ATTEMPTS = 3

# The outcome and reason strings are the values of pytest_qametrics' ResolutionOutcome and
# EscalationReason, so the tests can record them as they come; the service does not import them.
RESOLVED = "resolved_automatically"
TO_AGENT = "escalated_to_agent"
TO_SPECIALIST = "escalated_to_specialist"

REPLIES = {
    "account_update": "You can change your details under Settings > Profile; I've sent you a link.",
    "billing": "I've attached your latest invoices and a breakdown of the charges.",
    "cancel_subscription": "Your subscription will not renew; you keep access until period end.",
    "password_reset": "I've sent a password reset link to the email address on your account.",
    "refund": "Your refund is approved and will reach your original payment method in 5 days.",
    "sales_inquiry": "Here is our pricing sheet; a sales colleague can also book a demo with you.",
    "shipping_status": "Your order is on its way; here is the tracking link.",
    "technical_issue": "Please update to the latest version and restart; here is a guide.",
}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot does with one message: its outcome, why it escalated, and its reply."""

    outcome: str
    reason: str | None
    reply: str

    @property
    def escalated(self) -> bool:
        """Whether a person takes over."""
        return self.outcome != RESOLVED


def decide(intent: str, confidence: float, attempt: int, amount: float | None) -> Decision:
    """Apply the policy to one classified message (``attempt`` counts from 1)."""
    if attempt >= MAX_AUTOMATED_ATTEMPTS:
        return Decision(TO_AGENT, "customer_unsatisfied", "I'm passing you to a colleague now.")
    if intent == "complaint":
        return Decision(TO_AGENT, "customer_unsatisfied", "I'm sorry; a team lead will call you.")
    if intent == "refund" and amount is not None and amount > REFUND_LIMIT:
        return Decision(TO_SPECIALIST, "policy_violation", "A refunds specialist will review this.")
    if confidence < CONFIDENCE_FLOOR:
        return Decision(TO_AGENT, "complex_issue", "Let me find a colleague who can help.")
    return Decision(RESOLVED, None, REPLIES.get(intent, "Here is what I found."))
