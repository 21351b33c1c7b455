"""The cloud tier's provider: Anthropic's Messages API through the official ``anthropic`` SDK.

Implements ``inference.providers.base.Provider``, so that what leaves the device is exactly what the
user consented to::

    provider = AnthropicProvider(api_key)                      # the app reads the key from app.secrets
    payload = provider.build_payload(request, model="claude-haiku-4-5", max_output_tokens=512)
    estimate = provider.estimate(request, model="claude-haiku-4-5", max_output_tokens=512)
    # ... show payload + estimate in the consent dialog; if the user edits the text, rebuild the payload
    answer = provider.send(payload, request)                   # ProviderAnswer, or a typed InhouseError

The payload is the Messages API arguments (``model``, ``max_tokens``, ``system``, ``messages`` and, for
extraction, ``output_config`` with the schema in the subset structured outputs accept). Anthropic returns
no token log-probabilities, so answers carry no confidence (``None``: unknown).

Errors (from ``inference.errors``): offline / DNS / refused -> ``ProviderUnavailable`` (queue it);
timeout -> ``ProviderTimeout``; 429/529 after the SDK's retries -> ``RateLimited``; 401/403 ->
``KeyRejected``; other statuses -> ``ProviderHTTPError`` (a ``ProviderError`` with ``status``); an unusable
answer -> ``MalformedAnswer`` (a ``MalformedOutput`` that still carries the usage and cost). The SDK's own
``ANTHROPIC_BASE_URL`` is honoured unless ``base_url`` is given. The key never appears in messages or reprs.
"""

from __future__ import annotations

import json
import os
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from inference.errors import InhouseError, KeyMissing, MalformedOutput
from inference.prices import Estimate, PriceTable
from inference.providers.base import ProviderAnswer, host_of, require_secure
from inference.providers.parsing import MalformedAnswer, Reply, is_count, parse_output
from inference.providers.prompts import check_text, expected_output_tokens, system_prompt
from inference.providers.sdk_errors import translate
from inference.tasks.base import ExtractSpec, TaskRequest

if TYPE_CHECKING:  # the SDK and its HTTP client load when a provider is built, not for an estimate (#11)
    from inference.wire import Wire

__all__ = ["AnthropicProvider", "build_payload", "estimate", "payload_text", "read_reply"]

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RETRIES = 0  # the send step (app.sending) retries, auditing every attempt
CONNECT_TIMEOUT_S = 10.0
# Models that predate structured outputs (output_config.format): extraction falls back to prompting.
NO_STRUCTURED_OUTPUT_PREFIXES = ("claude-opus-4-0", "claude-opus-4-1", "claude-opus-4-2", "claude-3")
SERVICE = "the Anthropic API"
KEY_HINT = "Check the key in your Anthropic console, then store it again with `inhouse key set`."


class AnthropicProvider:
    """Anthropic Messages API through the official SDK. Its HTTP client comes from ``self.wire``
    (``inference.wire``); SDK retries are off by default: the send step retries and audits each attempt."""

    name = "anthropic"
    returns_logprobs = False
    costs_money = True

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
        env = "ANTHROPIC_BASE_URL" if not base_url and os.environ.get("ANTHROPIC_BASE_URL", "").strip() else ""
        try:
            require_secure(self.base_url, env or "the provider settings")
        except InhouseError:
            self._client.close()
            raise

    def __repr__(self) -> str:
        settings = f"timeout={self.timeout:g}, max_retries={self.max_retries}"
        return f"AnthropicProvider(base_url={self.base_url!r}, {settings})"

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    @property
    def host(self) -> str:
        return host_of(self.base_url)

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

    def send(self, payload: dict[str, Any], request: TaskRequest) -> ProviderAnswer:
        """Send ``payload`` unchanged and return the validated answer (typed errors only)."""
        import anthropic

        started = time.perf_counter()
        failure: InhouseError | None = None
        try:
            raw = self._client.messages.with_raw_response.create(**payload)
            body, request_id = raw.http_response.text, raw.request_id
        except anthropic.AnthropicError as exc:
            failure = translate(exc, sdk=anthropic, service=SERVICE, secret=self._key, timeout=self.timeout,
                                retries=self.max_retries, key_hint=KEY_HINT)
        if failure is not None:
            raise failure  # raised outside the handler: no SDK exception (with its headers) in __context__
        latency_ms = (time.perf_counter() - started) * 1000.0
        return self.parse(body, payload, request, request_id=request_id, latency_ms=latency_ms)

    def parse(self, body: str, payload: dict[str, Any], request: TaskRequest, *, request_id: str | None = None,
              latency_ms: float = 0.0) -> ProviderAnswer:
        """The validated answer in a Messages API response ``body`` to ``payload``."""
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
        reply: Reply,
        request_id: str | None,
        ms: float,
    ) -> ProviderAnswer:
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
        return ProviderAnswer(
            output=output,
            raw_text=reply.text,
            model=reply.model or model,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cost_usd=cost,
            latency_ms=ms,
            request_id=request_id,
            method="anthropic-messages",
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
    structured = provider.structured_output if provider is not None else True
    payload = build_payload(request, model=model, max_output_tokens=max_output_tokens, structured_output=structured)
    return table.estimate(
        model,
        payload_text(payload),
        expected_output=expected_output_tokens(request, max_output_tokens),
        max_output=max_output_tokens,
    )


def build_payload(
    request: TaskRequest, *, model: str, max_output_tokens: int, structured_output: bool = True
) -> dict[str, Any]:
    """The exact Messages API arguments for ``request`` (see the module docstring)."""
    check_text(request)
    if max_output_tokens < 1:
        raise ValueError("max_output_tokens must be at least 1")
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": max_output_tokens,
        "system": system_prompt(request),
        "messages": [{"role": "user", "content": request.text}],
    }
    spec = request.spec
    if isinstance(spec, ExtractSpec) and structured_output and supports_structured_output(model):
        api_schema = _api_schema(spec.schema)
        if api_schema is not None:
            payload["output_config"] = {"format": {"type": "json_schema", "schema": api_schema}}
    return payload


def supports_structured_output(model: str) -> bool:
    return not model.startswith(NO_STRUCTURED_OUTPUT_PREFIXES)


def _api_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema in the subset structured outputs accept, or None when the SDK cannot convert it
    (the answer is then asked for by the prompt alone; it is validated against the full schema either way)."""
    import anthropic  # the payload and its estimate are built offline; the SDK only for this conversion

    try:
        return anthropic.transform_schema(schema)
    except (ValueError, TypeError, KeyError, AttributeError, AssertionError):
        return None


def read_reply(body: str) -> Reply:
    """Check the shape of a Messages API response body."""
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedOutput("The provider's answer was not valid JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("content"), list):
        raise MalformedOutput("The provider's answer did not have the expected shape (no content list).")
    usage = data.get("usage")
    if not isinstance(usage, dict) or not all(is_count(usage.get(k)) for k in ("input_tokens", "output_tokens")):
        raise MalformedOutput("The provider's answer did not report token usage.")
    texts: list[str] = []
    tool_input: dict[str, Any] | None = None
    for block in data["content"]:
        if not isinstance(block, dict):
            raise MalformedOutput("The provider's answer has a content block of the wrong shape.")
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
            tool_input = block["input"]
    model = data.get("model")
    stop = data.get("stop_reason")
    return Reply(
        text="".join(texts),
        tool_input=tool_input,
        model=model if isinstance(model, str) else None,
        input_tokens=int(usage["input_tokens"]),
        output_tokens=int(usage["output_tokens"]),
        refused=stop == "refusal",
        truncated=stop == "max_tokens",
    )
