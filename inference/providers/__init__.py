"""Providers: the tiers that answer off the device, behind one contract (``base.Provider``).

``build_provider(settings)`` is the only way the app gets one: it imports the implementing module (and
with it the SDK) only then, so a request answered on the device imports no provider SDK.
"""

from __future__ import annotations

from dataclasses import dataclass

from inference.prices import Estimate, PriceTable
from inference.providers.base import Provider, ProviderAnswer, host_of
from inference.tasks.base import TaskRequest

__all__ = [
    "PROVIDERS", "SCHEMA_FORMATS", "Provider", "ProviderAnswer", "ProviderSettings", "build_provider", "estimate",
    "host_of",
]

ANTHROPIC = "anthropic"
OPENAI_COMPATIBLE = "openai-compatible"
PROVIDERS = (ANTHROPIC, OPENAI_COMPATIBLE)
SCHEMA_FORMATS = ("json_schema", "json_object", "none")  # how an OpenAI-compatible server takes a JSON Schema


@dataclass(frozen=True)
class ProviderSettings:
    """What a provider needs from the policy and the keyring. ``endpoint`` "" means the provider's own
    default (Anthropic's API); ``ca_bundle`` "" means the system's certificate roots."""

    kind: str
    api_key: str = ""
    endpoint: str = ""
    server_name: str = ""
    timeout_s: float = 60.0
    ca_bundle: str = ""
    schema_format: str = "json_schema"

    def __repr__(self) -> str:  # never the key
        return f"ProviderSettings(kind={self.kind!r}, endpoint={self.endpoint!r})"


def build_provider(settings: ProviderSettings) -> Provider:
    """The provider ``settings.kind`` names, connected to its endpoint (raises ``KeyMissing`` etc.)."""
    if settings.kind == ANTHROPIC:
        from inference.providers.anthropic import AnthropicProvider

        return AnthropicProvider(settings.api_key, base_url=settings.endpoint or None)
    if settings.kind == OPENAI_COMPATIBLE:
        from inference.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(
            settings.endpoint, settings.api_key, server_name=settings.server_name or "the organisation's server",
            timeout=settings.timeout_s, ca_bundle=settings.ca_bundle, schema_format=settings.schema_format,
        )
    raise ValueError(f"unknown provider {settings.kind!r} (known: {', '.join(PROVIDERS)})")


def estimate(kind: str, request: TaskRequest, *, model: str, max_output_tokens: int,
             prices: PriceTable | None = None) -> Estimate:
    """Offline tokens and cost for a request to provider ``kind`` (no key, no network; imports only
    the provider's module). Only the cloud costs money."""
    if kind == ANTHROPIC:
        from inference.providers.anthropic import estimate as anthropic_estimate

        return anthropic_estimate(request, model, max_output_tokens, prices=prices)
    return Estimate(0, 0, 0.0, 0.0)
