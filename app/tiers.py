"""The tiers a request may walk, in order: this device, the organisation's server, the cloud.

``tiers(policy)`` reads them from the policy: the device always (its thresholds are ``[thresholds]``),
the organisation's server when ``[org]`` names an endpoint, provider and model, and the cloud
(``[escalation]``, today's rules) always — when its mode is "never" the router denies it by name. Each
tier says where it sends (provider, endpoint), which models it may use, when its answer is good enough
(per-task thresholds), whether a request needs the user's consent, whether redaction applies and whether
a budget does. The last tier's answer is kept whatever its confidence: there is nowhere further to go.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from app.policy import Policy, Thresholds
from inference.providers import ProviderSettings, host_of


class TierKind(StrEnum):
    DEVICE = "device"
    ORG = "org"
    CLOUD = "cloud"


class TierConsent(StrEnum):
    """Whether a request may go to a tier without asking, and on whose authority."""

    LOCAL = "local"  # the device: nothing leaves
    ASK = "ask"  # the user's consent, each time (or for the session)
    ADMIN_NO_CONSENT = "admin_no_consent"  # org tier: the admin's policy says none is needed
    ADMIN_AUTO = "admin_auto"  # cloud tier: the admin's policy sends automatically ("auto")
    OFF = "off"  # cloud tier: escalation.mode "never"


NEVER_ESCALATE = Thresholds(0.0, 0.0, 0.0)
CLOUD_HOST = "api.anthropic.com"


@dataclass(frozen=True)
class Tier:
    kind: TierKind
    provider: str  # "device", "openai-compatible", "anthropic"
    endpoint: str  # base URL ("" = the provider's own default)
    model: str
    allowed_models: tuple[str, ...]
    thresholds: Thresholds  # this tier's answer is kept at or above these
    consent: TierConsent
    redact: bool
    monthly_budget_usd: float | None  # None: costs nothing per request
    max_output_tokens: int
    when_down: Literal["queue", "next"] = "queue"
    org_name: str = ""
    timeout_s: float = 60.0
    ca_bundle: str = ""
    schema_format: str = "json_schema"

    @property
    def leaves_device(self) -> bool:
        return self.kind is not TierKind.DEVICE

    @property
    def needs_key(self) -> bool:
        """The cloud needs an API key; the org server may (its key is optional)."""
        return self.kind is TierKind.CLOUD

    @property
    def host(self) -> str:
        return host_of(self.endpoint) if self.endpoint else CLOUD_HOST if self.kind is TierKind.CLOUD else ""

    @property
    def label(self) -> str:
        """Where an answer was made, in words: "On this device", "On Acme's server", "Cloud"."""
        if self.kind is TierKind.DEVICE:
            return "On this device"
        if self.kind is TierKind.ORG:
            return f"On {self.org_name}'s server" if self.org_name else "On your organisation's server"
        return "Cloud"

    @property
    def server_name(self) -> str:
        """The tier in a sentence: "Acme's server", "the Anthropic API"."""
        if self.kind is TierKind.ORG:
            return f"{self.org_name}'s server" if self.org_name else "your organisation's server"
        return "the Anthropic API" if self.kind is TierKind.CLOUD else "this device"

    def threshold(self, task: str) -> float:
        return self.thresholds.for_task(task)

    def provider_settings(self, api_key: str) -> ProviderSettings:
        return ProviderSettings(self.provider, api_key, self.endpoint, self.server_name, self.timeout_s,
                                self.ca_bundle, self.schema_format)


def device_tier(policy: Policy) -> Tier:
    return Tier(TierKind.DEVICE, "device", "", "", (), policy.thresholds, TierConsent.LOCAL, False, None, 0)


def org_tier(policy: Policy) -> Tier | None:
    org = policy.org
    if not org.enabled:
        return None
    consent = TierConsent.ADMIN_NO_CONSENT if org.consent == "none" else TierConsent.ASK
    return Tier(TierKind.ORG, org.provider, org.endpoint, org.model, org.allowed_models, org.thresholds, consent,
                org.redact, None, org.max_output_tokens, org.when_down, org.name, org.timeout_s, org.ca_bundle,
                org.schema_format)


def cloud_tier(policy: Policy) -> Tier:
    esc = policy.escalation
    consent = {"never": TierConsent.OFF, "auto": TierConsent.ADMIN_AUTO}.get(esc.mode, TierConsent.ASK)
    return Tier(TierKind.CLOUD, esc.provider, "", esc.model, esc.allowed_models, NEVER_ESCALATE, consent,
                esc.redact, esc.monthly_budget_usd, esc.max_output_tokens, timeout_s=30.0)


def tiers(policy: Policy) -> tuple[Tier, ...]:
    """The ordered tiers: device, then the org server if configured, then the cloud."""
    org = org_tier(policy)
    return (device_tier(policy), *((org,) if org else ()), cloud_tier(policy))
