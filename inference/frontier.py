"""The frontier tier: the ``Provider`` contract and its Anthropic implementation (official ``anthropic`` SDK).

Two steps, so that what leaves the device is exactly what the user consented to::

    provider = AnthropicProvider(api_key)                      # the app reads the key from app.secrets
    payload = provider.build_payload(request, model="claude-haiku-4-5", max_output_tokens=512)
    estimate = provider.estimate(request, model="claude-haiku-4-5", max_output_tokens=512)
    # ... show payload + estimate in the consent dialog; if the user edits the text, rebuild the payload
    answer = provider.send(payload, request)                   # FrontierAnswer, or a typed InhouseError

Errors (from ``inference.errors``): offline / DNS / refused -> ``ProviderUnavailable`` (queue it);
timeout -> ``ProviderTimeout``; 429/529 after the SDK's retries -> ``RateLimited``; 401/403 ->
``KeyRejected``; other statuses -> ``ProviderHTTPError`` (a ``ProviderError`` with ``status``); an unusable
answer -> ``MalformedAnswer`` (a ``MalformedOutput`` that still carries the usage and cost). The SDK's own
``ANTHROPIC_BASE_URL`` is honoured unless ``base_url`` is given. The key never appears in messages or reprs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from inference.errors import InhouseError, KeyMissing, MalformedOutput
from inference.frontier_errors import ProviderHTTPError, translate
from inference.frontier_parse import MalformedAnswer, MessageReply, parse_output, read_reply
from inference.frontier_prompts import build_payload, expected_output_tokens
from inference.prices import Estimate, PriceTable
from inference.tasks.base import TaskRequest

if TYPE_CHECKING:  # the SDK and its HTTP client load when a provider is built, not for an estimate (#11)
    from inference.wire import Wire

__all__ = [
    "AnthropicProvider",
    "FrontierAnswer",
    "MalformedAnswer",
    "Provider",
    "ProviderHTTPError",
    "estimate",
    "payload_text",
]

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RETRIES = 0  # the send step (app.sending) retries, auditing every attempt
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class FrontierAnswer:
    """A validated frontier answer: ``output`` is the label, the schema-valid JSON value or the summary."""

    output: Any
    raw_text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    request_id: str | None


class Provider(Protocol):
    name: str

    def build_payload(
        self, request: TaskRequest, *, model: str, max_output_tokens: int
    ) -> dict[str, Any]: ...

    def send(self, payload: dict[str, Any], request: TaskRequest) -> FrontierAnswer: ...


class AnthropicProvider:
    """Anthropic Messages API through the official SDK. Its HTTP client comes from ``self.wire``
    (``inference.wire``); SDK retries are off by default: the send step retries and audits each attempt."""

    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        prices: PriceTable | None = None,
        structured_output: bool = True,
    ) -> None:
        if not api_key or not api_key.strip():
            raise KeyMissing("No Anthropic API key is set.")
        if timeout <= 0 or max_retries < 0:
            raise ValueError("timeout must be positive and max_retries not negative")
        self._key = api_key.strip()
        self.timeout = timeout
        self.max_retries = max_retries
        self.structured_output = structured_output
        self.prices = prices or PriceTable.load()
        import anthropic

        from inference.wire import Wire

        extra: dict[str, Any] = {"base_url": base_url} if base_url else {}
        timeouts = anthropic.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
        self.wire: Wire = Wire()  # every request seen before it leaves; no redirects, no environment proxies
        self._client = anthropic.Anthropic(
            api_key=self._key,
            timeout=timeouts,
            max_retries=max_retries,
            http_client=self.wire.client(timeout=timeouts),
            **extra,
        )

    def __repr__(self) -> str:
        settings = f"timeout={self.timeout:g}, max_retries={self.max_retries}"
        return f"AnthropicProvider(base_url={self.base_url!r}, {settings})"

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def build_payload(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> dict[str, Any]:
        """Exactly the Messages API arguments ``send`` will send (show this for consent)."""
        return build_payload(
            request,
            model=model,
            max_output_tokens=max_output_tokens,
            structured_output=self.structured_output,
        )

    def estimate(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> Estimate:
        """Tokens and cost before sending, from characters (no network)."""
        return estimate(request, model, max_output_tokens, prices=self.prices, provider=self)

    def send(self, payload: dict[str, Any], request: TaskRequest) -> FrontierAnswer:
        """Send ``payload`` unchanged and return the validated answer (typed errors only)."""
        import anthropic

        started = time.perf_counter()
        failure: InhouseError | None = None
        try:
            raw = self._client.messages.with_raw_response.create(**payload)
            body, request_id = raw.http_response.text, raw.request_id
        except anthropic.AnthropicError as exc:
            failure = translate(exc, secret=self._key, timeout=self.timeout, retries=self.max_retries)
        if failure is not None:
            raise failure  # raised outside the handler: no SDK exception (with its headers) in __context__
        latency_ms = (time.perf_counter() - started) * 1000.0
        return self._answer(payload, request, read_reply(body), request_id, latency_ms)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AnthropicProvider:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _answer(
        self,
        payload: dict[str, Any],
        request: TaskRequest,
        reply: MessageReply,
        request_id: str | None,
        ms: float,
    ) -> FrontierAnswer:
        model = str(payload["model"])
        cost = self.prices.cost(model, reply.input_tokens, reply.output_tokens)
        try:
            output = parse_output(request, reply)
        except MalformedOutput as err:
            raise MalformedAnswer(
                str(err),
                raw_text=reply.text,
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                cost_usd=cost,
                request_id=request_id,
            ) from None
        return FrontierAnswer(
            output=output,
            raw_text=reply.text,
            model=reply.model or model,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cost_usd=cost,
            latency_ms=ms,
            request_id=request_id,
        )


def payload_text(payload: dict[str, Any]) -> str:
    """Everything in ``payload`` that counts as input: the system prompt, the messages, the output schema."""
    parts = [str(payload.get("system", ""))]
    for message in payload.get("messages", []):
        content = message.get("content", "")
        parts.append(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False))
    if "output_config" in payload:
        parts.append(json.dumps(payload["output_config"], ensure_ascii=False))
    return "\n".join(parts)


def estimate(
    request: TaskRequest,
    model: str,
    max_output_tokens: int,
    *,
    prices: PriceTable | None = None,
    provider: AnthropicProvider | None = None,
) -> Estimate:
    """Offline estimate of tokens and cost for ``request`` (character-based, errs high)."""
    table = prices or PriceTable.load()
    if provider is not None:
        payload = provider.build_payload(request, model=model, max_output_tokens=max_output_tokens)
    else:
        payload = build_payload(request, model=model, max_output_tokens=max_output_tokens)
    return table.estimate(
        model,
        payload_text(payload),
        expected_output=expected_output_tokens(request, max_output_tokens),
        max_output=max_output_tokens,
    )
