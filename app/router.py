"""The routing decision after the local tier: keep the answer, ask consent, escalate, deny or queue.

``decide`` is a pure function of the confidence, the effective policy and a snapshot of the world
(spending, key, connectivity, what the user already allowed this session). Rules, first match wins:

0. an uncalibrated confidence (zero-shot label set without evidence), per thresholds.uncalibrated:
   "keep" -> DENY (stays on the device, not confident); "ask" -> skip rule 1; "accept" -> go on
1. confidence >= the task's threshold             -> ACCEPT
2. escalation.mode is "never"                     -> DENY
3. the model is not in escalation.allowed_models  -> DENY
4. spent this month + estimate > monthly budget   -> DENY
5. no API key                                     -> DENY
6. offline                                        -> QUEUE (nothing leaves; consent is asked when sent)
7. mode "auto" (only ever set by the admin file)  -> ESCALATE
8. the user allowed this task for the session     -> ESCALATE
9. otherwise                                      -> ASK_CONSENT
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from app.policy import Policy


class Action(StrEnum):
    ACCEPT = "accept"
    ASK_CONSENT = "ask_consent"
    ESCALATE = "escalate"  # consent already given for the session, or mode "auto"
    DENY = "deny"
    QUEUE = "queue"


@dataclass(frozen=True)
class RouterState:
    spent_this_month_usd: float
    estimated_cost_usd: float
    has_api_key: bool
    online: bool
    session_allowed_tasks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    threshold: float
    confidence: float


def _pair(confidence: float, threshold: float) -> tuple[str, str]:
    """Format both numbers with enough digits that they never look equal when they are not."""
    for digits in (2, 3, 4, 6):
        a, b = f"{confidence:.{digits}f}", f"{threshold:.{digits}f}"
        if a != b or confidence == threshold:
            return a, b
    return repr(confidence), repr(threshold)


def usd(amount: float) -> str:
    """Dollars with at least two decimals and as many more as a small amount needs: $0.0031, $10.00."""
    text = f"{amount:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def _check_inputs(confidence: float, state: RouterState) -> None:
    if not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
        raise ValueError(f"confidence must be in [0, 1], got {confidence!r}")
    for name in ("spent_this_month_usd", "estimated_cost_usd"):
        amount = getattr(state, name)
        if not (math.isfinite(amount) and amount >= 0.0):
            raise ValueError(f"{name} must be a non-negative number, got {amount!r}")


def _refusal(task: str, policy: Policy, state: RouterState, model: str) -> tuple[Action, str] | None:
    """Rules 2-6: why this escalation may not go out now, or None when it may."""
    esc = policy.escalation
    if esc.mode == "never":
        return Action.DENY, "escalation is turned off by policy (escalation.mode = \"never\")"
    if model not in esc.allowed_models:
        allowed = ", ".join(esc.allowed_models) or "none"
        return Action.DENY, f"model {model or '(none)'} is not allowed by policy (allowed: {allowed})"
    total = state.spent_this_month_usd + state.estimated_cost_usd
    if total > esc.monthly_budget_usd:
        return Action.DENY, (
            f"the estimated cost {usd(state.estimated_cost_usd)} on top of {usd(state.spent_this_month_usd)} "
            f"spent this month would exceed the monthly budget of {usd(esc.monthly_budget_usd)}"
        )
    if not state.has_api_key:
        return Action.DENY, (
            f"no API key is set for {esc.provider}: run `inhouse key set` or set ANTHROPIC_API_KEY"
        )
    if not state.online:
        return Action.QUEUE, f"offline: the {task} request is queued and asks for consent before it is sent"
    return None


def decide(
    task: str, confidence: float, policy: Policy, state: RouterState, model: str | None = None,
    *, calibrated: bool = True,
) -> Decision:
    """What to do with a local answer of ``confidence`` for ``task`` (model defaults to the policy's).
    ``calibrated=False``: the confidence has no evidence behind it (see rule 0)."""
    _check_inputs(confidence, state)
    threshold = policy.thresholds.for_task(task)
    conf, thr = _pair(confidence, threshold)

    def decision(action: Action, reason: str) -> Decision:
        return Decision(action, reason, threshold, confidence)

    rule = "accept" if calibrated else policy.thresholds.uncalibrated
    if rule == "keep":
        return decision(Action.DENY, f"confidence {conf} is uncalibrated: kept on this device, not confident "
                                     "(thresholds.uncalibrated = \"keep\")")
    if confidence >= threshold and rule == "accept":
        return decision(Action.ACCEPT, f"confidence {conf} meets the {thr} threshold for {task}")
    below = (f"confidence {conf} below threshold {thr} for {task}" if calibrated else
             f"confidence {conf} is uncalibrated (no evidence for this label set yet) for {task}")
    refusal = _refusal(task, policy, state, policy.escalation.model if model is None else model)
    if refusal is not None:
        action, why = refusal
        return decision(action, f"{why} ({below})")
    if policy.escalation.mode == "auto":
        return decision(Action.ESCALATE, f"{below}; escalation is automatic by admin policy")
    if task in state.session_allowed_tasks:
        return decision(Action.ESCALATE, f"{below}; you allowed {task} escalations for this session")
    return decision(Action.ASK_CONSENT, below)
