"""The routing decision after a tier has answered: keep the answer, go to the next tier, ask, deny or queue.

``decide`` is a pure function of the answer's confidence, the tier that answered, the next tier (from
the policy, ``app.tiers``) and a snapshot of the world (spending, key, reachability, what the user
already allowed this session). Rules, first match wins:

1. there is no next tier                                     -> ACCEPT (nowhere further to go)
   an uncalibrated confidence (a zero-shot label set without evidence), per thresholds.uncalibrated:
   "keep" -> DENY (UNCALIBRATED: stays where it is, marked uncalibrated); "ask" -> skip rule 2;
   "accept" -> go on
2. confidence >= the answering tier's threshold for the task  -> ACCEPT
   (a confidence of ``None`` — unknown, the server returned no log-probabilities — counts as low)
3. the next tier is off (cloud: escalation.mode "never")     -> DENY (POLICY_OFF)
   the audit log cannot be written (damaged database)       -> DENY (AUDIT_UNAVAILABLE)
4. its model is not in its allowed models                    -> DENY (MODEL_NOT_ALLOWED)
5. it costs money and spent + estimate > its monthly budget  -> DENY (OVER_BUDGET)
6. it needs an API key and none is set                       -> DENY (NO_KEY)
7. it cannot be reached now                                  -> QUEUE (consent is asked when sent)
8. the admin's policy needs no consent for it (org "none")   -> NEXT_TIER (ADMIN_NO_CONSENT)
9. the admin's policy sends automatically (cloud "auto")     -> NEXT_TIER (ADMIN_AUTO)
10. the user allowed this task for this tier for the session -> NEXT_TIER (SESSION)
11. otherwise                                                -> ASK

The UI, the CLI and the review read ``Decision.kind``, ``deny`` and ``allowed_by``; ``reason`` is words
for people (no command hints: the CLI adds its own, the UI offers a button per kind).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from app.tiers import Tier, TierConsent, TierKind


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    NEXT_TIER = "next_tier"  # go on without asking (admin policy, or allowed for the session)
    ASK = "ask"  # the user's consent is needed first
    DENY = "deny"
    QUEUE = "queue"


class DenyReason(StrEnum):
    POLICY_OFF = "policy_off"
    MODEL_NOT_ALLOWED = "model_not_allowed"
    OVER_BUDGET = "over_budget"
    NO_KEY = "no_key"
    AUDIT_UNAVAILABLE = "audit_unavailable"
    UNCALIBRATED = "uncalibrated"  # thresholds.uncalibrated = "keep": the answer stays, marked uncalibrated


class AllowedBy(StrEnum):
    """Why a NEXT_TIER decision needs no question."""

    ADMIN_NO_CONSENT = "admin_no_consent"
    ADMIN_AUTO = "admin_auto"
    SESSION = "session"


@dataclass(frozen=True)
class RouterState:
    spent_this_month_usd: float
    estimated_cost_usd: float
    has_api_key: bool
    online: bool  # the next tier can be reached
    session_allowed_tasks: frozenset[str] = frozenset()  # for the next tier
    audit_available: bool = True  # nothing may leave without an audit row


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    reason: str
    threshold: float | None  # the answering tier's threshold; None for the last tier (none applies)
    confidence: float | None
    tier: TierKind  # the tier whose answer was judged
    next_tier: TierKind | None = None
    deny: DenyReason | None = None
    allowed_by: AllowedBy | None = None
    next_name: str = ""  # the next tier in a sentence: "Acme's server", "the Anthropic API"


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


def _shown(confidence: float | None) -> str:
    return "unknown" if confidence is None else f"{confidence:.2f}"


def _check_inputs(confidence: float | None, state: RouterState) -> None:
    if confidence is not None and not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
        raise ValueError(f"confidence must be in [0, 1] or None (unknown), got {confidence!r}")
    for name in ("spent_this_month_usd", "estimated_cost_usd"):
        amount = getattr(state, name)
        if not (math.isfinite(amount) and amount >= 0.0):
            raise ValueError(f"{name} must be a non-negative number, got {amount!r}")


def _refusal(task: str, nxt: Tier, state: RouterState) -> tuple[DecisionKind, DenyReason | None, str] | None:
    """Rules 3-7: why the next tier may not be asked now, or None when it may."""
    where = nxt.server_name
    if nxt.consent is TierConsent.OFF:
        return DecisionKind.DENY, DenyReason.POLICY_OFF, "sending to the cloud is turned off by policy"
    if not state.audit_available:
        return DecisionKind.DENY, DenyReason.AUDIT_UNAVAILABLE, (
            "the audit log is unavailable, so nothing may leave this device until the database is fixed")
    if nxt.model not in nxt.allowed_models:
        allowed = ", ".join(nxt.allowed_models) or "none"
        return (DecisionKind.DENY, DenyReason.MODEL_NOT_ALLOWED,
                f"model {nxt.model or '(none)'} is not allowed by policy for {where} (allowed: {allowed})")
    budget = nxt.monthly_budget_usd
    if budget is not None and state.spent_this_month_usd + state.estimated_cost_usd > budget:
        return DecisionKind.DENY, DenyReason.OVER_BUDGET, (
            f"the estimated cost {usd(state.estimated_cost_usd)} on top of {usd(state.spent_this_month_usd)} "
            f"spent this month would exceed the monthly budget of {usd(budget)}"
        )
    if nxt.needs_key and not state.has_api_key:
        return DecisionKind.DENY, DenyReason.NO_KEY, f"no API key is set for {where}"
    if not state.online:
        return DecisionKind.QUEUE, None, (
            f"{where} cannot be reached: the {task} request is queued and asks for consent before it is sent")
    return None


def decide(
    task: str, confidence: float | None, answered: Tier, nxt: Tier | None, state: RouterState,
    *, calibrated: bool = True,
) -> Decision:
    """What to do with ``answered``'s answer of ``confidence`` for ``task``, given the ``nxt`` tier (or none).
    ``calibrated=False``: the confidence has no evidence behind it (the rule after rule 1)."""
    _check_inputs(confidence, state)
    if nxt is None:
        return Decision(DecisionKind.ACCEPT, f"{answered.server_name} is the last tier, so its answer is kept",
                        None, confidence, answered.kind)
    threshold = answered.threshold(task)

    def decision(kind: DecisionKind, reason: str, deny: DenyReason | None = None,
                 allowed_by: AllowedBy | None = None) -> Decision:
        assert nxt is not None
        return Decision(kind, reason, threshold, confidence, answered.kind, nxt.kind, deny, allowed_by,
                        nxt.server_name)

    rule = "accept" if calibrated else answered.thresholds.uncalibrated
    if rule == "keep":
        return decision(DecisionKind.DENY, f"confidence {_shown(confidence)} is uncalibrated: kept where it is, "
                        'not confident (thresholds.uncalibrated = "keep")', DenyReason.UNCALIBRATED)
    if confidence is None:
        if threshold <= 0.0:
            return decision(DecisionKind.ACCEPT, f"confidence unknown; the threshold for {task} is 0")
        below = f"confidence unknown (counted as low) for {task}"
    else:
        conf, thr = _pair(confidence, threshold)
        if confidence >= threshold and rule == "accept":
            return decision(DecisionKind.ACCEPT, f"confidence {conf} meets the {thr} threshold for {task}")
        below = (f"confidence {conf} below threshold {thr} for {task}" if calibrated else
                 f"confidence {conf} is uncalibrated (no evidence for this label set yet) for {task}")
    refusal = _refusal(task, nxt, state)
    if refusal is not None:
        kind, deny, why = refusal
        return decision(kind, f"{why} ({below})", deny)
    if nxt.consent is TierConsent.ADMIN_NO_CONSENT:
        return decision(DecisionKind.NEXT_TIER, f"{below}; your administrator's policy sends it to "
                        f"{nxt.server_name} without asking", allowed_by=AllowedBy.ADMIN_NO_CONSENT)
    if nxt.consent is TierConsent.ADMIN_AUTO:
        return decision(DecisionKind.NEXT_TIER, f"{below}; sending is automatic by your administrator's policy",
                        allowed_by=AllowedBy.ADMIN_AUTO)
    if task in state.session_allowed_tasks:
        return decision(DecisionKind.NEXT_TIER, f"{below}; you allowed {task} requests to {nxt.server_name} "
                        "for this session", allowed_by=AllowedBy.SESSION)
    return decision(DecisionKind.ASK, below)
