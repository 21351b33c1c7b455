"""The provider contract: one seam for every tier that answers off the device.

A provider turns a ``TaskRequest`` (already redacted by the caller) into exactly the body it would send,
estimates it offline, sends that body unchanged and parses the answer::

    payload = provider.build_payload(request, model=model, max_output_tokens=512)   # shown for consent
    estimate = provider.estimate(request, model=model, max_output_tokens=512)      # no network
    answer = provider.send(payload, request)          # ProviderAnswer, or a typed InhouseError
    provider.close()

``send`` is ``parse(body)`` after the transport; ``host`` is where the bytes go (``host`` or ``host:port``),
for the egress permit, the consent question and the audit row. Capabilities are attributes, as in
simonw/llm's models: ``returns_logprobs`` (answers carry a confidence computed from the server's token
log-probabilities; otherwise ``ProviderAnswer.confidence`` is ``None``, "unknown", which the router treats
as low) and ``costs_money`` (a budget applies).

SDKs are imported only by the modules that implement a provider, and those only when
``inference.providers.build_provider`` builds one: a request answered on the device imports none.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from inference.prices import Estimate
from inference.tasks.base import FieldConfidence, TaskRequest


@dataclass(frozen=True)
class ProviderAnswer:
    """A validated answer from a provider: ``output`` is the label, the schema-valid JSON value or the summary.

    ``confidence`` is in [0, 1] when the provider returned token log-probabilities and ``None`` when it
    did not ("confidence unknown"); ``method`` names how the answer and its confidence were made.
    """

    output: Any
    raw_text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    request_id: str | None
    confidence: float | None = None
    method: str = ""
    signals: dict[str, float] = field(default_factory=dict)
    probabilities: dict[str, float] | None = None
    fields: dict[str, FieldConfidence] | None = None


class Provider(Protocol):
    name: str  # "anthropic", "openai-compatible"
    returns_logprobs: bool
    costs_money: bool

    @property
    def host(self) -> str: ...

    def build_payload(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> dict[str, Any]: ...

    def estimate(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> Estimate: ...

    def send(self, payload: dict[str, Any], request: TaskRequest) -> ProviderAnswer: ...

    def parse(self, body: str, payload: dict[str, Any], request: TaskRequest, *, request_id: str | None = None,
              latency_ms: float = 0.0) -> ProviderAnswer: ...

    def close(self) -> None: ...


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a base URL (what the consent question and doctor show)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{host_of(url)}" if parts.scheme else url


def is_loopback(hostname: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: a server on this machine."""
    if not hostname:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def require_secure(url: str, source: str) -> None:
    """Refuse a base URL that would send in clear text: https, or http only to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return
    from inference.errors import InsecureEndpoint

    raise InsecureEndpoint(f"Refusing to send to {origin_of(url)} (from {source}): the request and the API key "
                           "would cross the network in clear text; only https:// is allowed (plain http only to "
                           "this machine).")


def host_of(url: str) -> str:
    """``host`` or ``host:port`` of a base URL ("https://llm.acme.internal:8443/v1" -> "llm.acme.internal:8443")."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or url
