"""One hop of the tier walk, in pieces the assistant puts together: what to ask the user, on whose
authority a hop goes without asking, and the remote answer as an outcome keeps it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.consent import ConsentRequest, ConsentStatus, Highlight
from app.outcome import RemoteAnswer
from app.router import AllowedBy, Decision
from app.tiers import Tier
from inference.prices import Estimate
from inference.providers import Provider, ProviderAnswer
from inference.tasks.base import TaskRequest

if TYPE_CHECKING:
    from inference.redact import Redaction

_WITHOUT_ASKING = {
    AllowedBy.ADMIN_NO_CONSENT: ConsentStatus.ADMIN_NO_CONSENT,
    AllowedBy.ADMIN_AUTO: ConsentStatus.ADMIN_AUTO,
    AllowedBy.SESSION: ConsentStatus.ALLOW_SESSION,
}


def consent_without_asking(decision: Decision) -> ConsentStatus:
    """The consent a NEXT_TIER decision carries (the admin's policy, or the user's session consent)."""
    assert decision.allowed_by is not None, "only a NEXT_TIER decision goes on without asking"
    return _WITHOUT_ASKING[decision.allowed_by]


def consent_question(
    tier: Tier, provider: Provider, sendable: TaskRequest, payload: dict[str, Any], redaction: Redaction,
    estimate: Estimate, decision: Decision,
) -> ConsentRequest:
    """The question for the gate: the exact payload, where it goes (tier, host, provider, model), cost, why."""
    from app.sending import destination_label  # not at import: the local path never loads the send step

    return ConsentRequest(
        task=sendable.task, text=sendable.text, payload=payload,
        highlights=tuple(Highlight(s.start, s.end, s.kind, s.placeholder) for s in redaction.spans),
        provider=provider.name, model=tier.model, tier=tier.kind.value, tier_label=tier.label,
        destination=destination_label(provider),
        estimated_input_tokens=estimate.input_tokens, estimated_output_tokens=estimate.output_tokens,
        estimated_cost_usd=estimate.cost_usd, max_cost_usd=estimate.max_cost_usd,
        reason=decision.reason, allow_session=True,
    )


def remote_answer(
    tier: Tier, provider: Provider, answer: ProviderAnswer, output: Any, consent: ConsentStatus, audit_id: int,
) -> RemoteAnswer:
    """The hop's answer as the outcome keeps it (``output`` already restored on the device)."""
    return RemoteAnswer(
        tier=tier.kind, tier_label=tier.label, provider=provider.name, host=provider.host, model=answer.model,
        output=output, confidence=answer.confidence, method=answer.method, latency_ms=answer.latency_ms,
        input_tokens=answer.input_tokens, output_tokens=answer.output_tokens, cost_usd=answer.cost_usd,
        consent=consent, audit_id=audit_id, probabilities=answer.probabilities, fields=answer.fields,
        signals=dict(answer.signals),
    )
