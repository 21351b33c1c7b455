"""``inhouse doctor``'s check of the organisation's server: reachable, model present, log-probabilities.

``GET /models`` (is the policy's model listed?) inside an egress permit for the org tier's host only, then
one short chat completion of a fixed probe text asking for log-probabilities (does the server return
them?), sent through the send step like every request that leaves the device (write-ahead audit row, a
permit for that host). The probe carries no user data; running ``inhouse doctor`` is the user's request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from app import egress
from app.consent import ConsentStatus
from app.policy import Policy
from app.sending import Hop, SendFailed, transmit
from app.store import Store
from app.tiers import Tier, org_tier
from inference.errors import InhouseError
from inference.providers import build_provider
from inference.providers.openai_compat import OpenAICompatProvider
from inference.tasks.base import SummarizeSpec, TaskRequest

PROBE = TaskRequest("Reply with the word OK.", SummarizeSpec(max_words=5))
PROBE_TOKENS = 4


@dataclass(frozen=True)
class OrgCheck:
    endpoint: str
    host: str
    model: str
    reachable: bool
    model_listed: bool | None  # None: not known (unreachable)
    logprobs: bool | None  # None: the probe failed
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.reachable and bool(self.model_listed) and bool(self.logprobs)

    def describe(self) -> str:
        if not self.reachable:
            return f"{self.endpoint}: not reachable ({self.problem})"
        listed = "listed" if self.model_listed else "NOT listed by the server"
        probs = "returns log-probabilities" if self.logprobs else (
            "returns NO log-probabilities: its answers' confidence is unknown" if self.logprobs is False
            else f"probe failed ({self.problem})")
        return f"{self.endpoint}: reachable; model {self.model} {listed}; {probs}"


def check_org_server(policy: Policy, store: Store, key: Callable[[], str | None]) -> OrgCheck | None:
    """Check the policy's org server (``None`` when the policy names none)."""
    tier = org_tier(policy)
    if tier is None:
        return None
    secret = key() or ""
    provider = build_provider(tier.provider_settings(secret))
    assert isinstance(provider, OpenAICompatProvider)
    base = {"endpoint": tier.endpoint, "host": provider.host, "model": tier.model}
    try:
        with egress.permit(f"doctor: models on {provider.host}", host=urlsplit(tier.endpoint).hostname or ""):
            listed = tier.model in provider.list_models()
    except InhouseError as err:
        provider.close()
        return OrgCheck(**base, reachable=False, model_listed=None, logprobs=None, problem=str(err))
    return _probe(tier, provider, store, policy.privacy.audit_payload, secret, OrgCheck(
        **base, reachable=True, model_listed=listed, logprobs=None))


def _probe(tier: Tier, provider: OpenAICompatProvider, store: Store, audit_payload: str, secret: str,
           found: OrgCheck) -> OrgCheck:
    """One audited, short completion: does the answer carry log-probabilities? (``transmit`` closes the provider)"""
    payload = provider.build_payload(PROBE, model=tier.model, max_output_tokens=PROBE_TOKENS)
    hop = Hop(task="doctor", tier=tier.kind.value, provider=provider.name, model=tier.model, host=provider.host,
              consent=ConsentStatus.ALLOW_ONCE.value)
    try:
        sent = transmit(store, provider, payload, PROBE, hop, audit_payload=audit_payload, secret=secret)
    except SendFailed as failed:
        return _replace(found, problem=str(failed.error))
    except InhouseError as err:
        return _replace(found, problem=str(err))
    return _replace(found, logprobs=sent.answer.confidence is not None)


def _replace(check: OrgCheck, **changes: object) -> OrgCheck:
    return replace(check, **changes)  # type: ignore[arg-type]
