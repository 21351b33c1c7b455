"""The organisation tier's provider: any OpenAI-compatible chat-completions server, through the official
``openai`` SDK pointed at the server's base URL (llama.cpp's ``llama-server``, vLLM, Ollama, LocalAI,
llama-cpp-python's own server).

The payload asks for greedy decoding (temperature 0, seed 0) with token log-probabilities
(``logprobs``, ``top_logprobs``: 20 alternatives for classification, the sampled token otherwise) so the
answer carries a confidence computed as on the device (``inference.providers.logprobs``). Extraction is
constrained by the schema through ``response_format`` in the server's dialect (``schema_format``):

- ``"json_schema"``: ``{"type": "json_schema", "json_schema": {"name", "schema"}}`` — OpenAI, vLLM,
  llama-server, Ollama;
- ``"json_object"``: ``{"type": "json_object", "schema": ...}`` — llama-cpp-python's server (it ignores
  ``json_schema``, checked);
- ``"none"``: the prompt alone asks for the JSON; the answer is validated against the schema either way.

A server that returns no log-probabilities gives answers whose ``confidence`` is ``None`` (unknown).
Its HTTP client comes from ``self.wire`` (``inference.wire``: the send step sees the exact bytes before they
leave; no redirects; proxy and certificate environment variables ignored, so nothing but the configured
base URL decides where data goes); TLS certificates are verified (the system's roots, or the admin's
``ca_bundle``). SDK retries are off: the send step retries and audits each attempt.
The org server is the organisation's own: it costs nothing per token here (``costs_money`` is False).
"""

from __future__ import annotations

import json
import math
import ssl
import time
from dataclasses import replace
from typing import Any

import openai

from inference.errors import InhouseError, InputInvalid, MalformedOutput
from inference.prices import Estimate, estimate_tokens
from inference.providers import SCHEMA_FORMATS
from inference.providers.base import ProviderAnswer, host_of
from inference.providers.logprobs import (
    TokenLogprob,
    field_confidences,
    label_scores,
    read_token_logprobs,
    summary_confidence,
)
from inference.providers.parsing import MalformedAnswer, Reply, is_count, parse_output
from inference.providers.prompts import check_text, expected_output_tokens, system_prompt
from inference.providers.sdk_errors import translate
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest
from inference.wire import Wire

DEFAULT_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 10.0
CLASSIFY_TOP_LOGPROBS = 20  # OpenAI's and vLLM's default cap
NO_KEY = "no-key"  # sent as the bearer token when the server needs none (the SDK requires one)
KEY_HINT = "Ask your administrator for the server's key, then store it with `inhouse key set --tier org`."


class OpenAICompatProvider:
    """Chat completions on the organisation's server (see the module docstring)."""

    name = "openai-compatible"
    returns_logprobs = True
    costs_money = False

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        server_name: str = "the organisation's server",
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 0,  # the send step (app.sending) retries, auditing every attempt
        ca_bundle: str = "",
        schema_format: str = "json_schema",
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise InputInvalid(f"The server address {base_url!r} is not an http(s) URL.",
                               hint="Set the org tier's endpoint to the server's base URL, e.g. https://llm.example/v1.")
        if schema_format not in SCHEMA_FORMATS:
            raise ValueError(f"schema_format must be one of {SCHEMA_FORMATS}, not {schema_format!r}")
        if timeout <= 0 or max_retries < 0:
            raise ValueError("timeout must be positive and max_retries not negative")
        self._key = api_key.strip()
        self.server_name = server_name
        self.timeout = timeout
        self.max_retries = max_retries
        self.schema_format = schema_format
        self.ca_bundle = ca_bundle
        timeouts = openai.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
        self.wire = Wire()  # every request seen before it leaves; no redirects, no environment proxies
        self._client = openai.OpenAI(
            api_key=self._key or NO_KEY,
            base_url=base_url,
            timeout=timeouts,
            max_retries=max_retries,
            http_client=self.wire.client(timeout=timeouts, verify=_tls_context(ca_bundle)),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(base_url={self.base_url!r}, schema_format={self.schema_format!r})"

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    @property
    def host(self) -> str:
        return host_of(self.base_url)

    # -- the contract ---------------------------------------------------------------------------
    def build_payload(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> dict[str, Any]:
        """Exactly the chat-completions arguments ``send`` will send (show this for consent)."""
        check_text(request)
        if max_output_tokens < 1:
            raise ValueError("max_output_tokens must be at least 1")
        spec = request.spec
        payload: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "system", "content": system_prompt(request)},
                         {"role": "user", "content": request.text}],
            "max_tokens": _answer_tokens(request, max_output_tokens),
            "temperature": 0,
            "seed": 0,
            "logprobs": True,
            "top_logprobs": CLASSIFY_TOP_LOGPROBS if isinstance(spec, ClassifySpec) else 1,
        }
        if isinstance(spec, ExtractSpec) and self.schema_format == "json_schema":
            payload["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "extraction", "schema": spec.schema}}
        elif isinstance(spec, ExtractSpec) and self.schema_format == "json_object":
            payload["response_format"] = {"type": "json_object", "schema": spec.schema}
        return payload

    def estimate(self, request: TaskRequest, *, model: str, max_output_tokens: int) -> Estimate:
        """Tokens before sending, from characters (no network); the org's own server costs nothing here."""
        payload = self.build_payload(request, model=model, max_output_tokens=max_output_tokens)
        text = "\n".join(m["content"] for m in payload["messages"])
        expected = expected_output_tokens(request, payload["max_tokens"])
        return Estimate(estimate_tokens(text), expected, 0.0, 0.0)

    def send(self, payload: dict[str, Any], request: TaskRequest) -> ProviderAnswer:
        """Send ``payload`` unchanged and return the validated answer with its confidence (typed errors only)."""
        started = time.perf_counter()
        body, request_id = self._post(payload)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return self.parse(body, payload, request, request_id=request_id, latency_ms=latency_ms)

    def probe(self, payload: dict[str, Any]) -> tuple[Reply, list[TokenLogprob] | None]:
        """Send ``payload`` and return the reply as read, without judging it as a task answer (doctor)."""
        return read_completion(self._post(payload)[0])

    def _post(self, payload: dict[str, Any]) -> tuple[str, str | None]:
        failure: InhouseError | None = None
        try:
            raw = self._client.chat.completions.with_raw_response.create(**payload)
            return raw.http_response.text, raw.headers.get("x-request-id")
        except openai.OpenAIError as exc:
            failure = translate(exc, sdk=openai, service=self.server_name, secret=self._key, timeout=self.timeout,
                                retries=self.max_retries, key_hint=KEY_HINT)
        raise failure  # raised outside the handler: no SDK exception (with its headers) in __context__

    def parse(self, body: str, payload: dict[str, Any], request: TaskRequest, *, request_id: str | None = None,
              latency_ms: float = 0.0) -> ProviderAnswer:
        """The validated answer, with its confidence, in a chat-completions response ``body``."""
        reply, tokens = read_completion(body)
        model = reply.model or str(payload["model"])
        base = ProviderAnswer(None, reply.text, model, reply.input_tokens, reply.output_tokens, 0.0, latency_ms,
                              request_id, method="org-generation")
        try:
            return _scored(base, request, reply, tokens)
        except MalformedOutput as err:
            raise MalformedAnswer(str(err), raw_text=reply.text, input_tokens=reply.input_tokens,
                                  output_tokens=reply.output_tokens, request_id=request_id) from None

    def list_models(self) -> list[str]:
        """The model ids the server serves (``GET /models``; for ``inhouse doctor``)."""
        try:
            return [m.id for m in self._client.models.list()]
        except openai.OpenAIError as exc:
            failure = translate(exc, sdk=openai, service=self.server_name, secret=self._key, timeout=self.timeout,
                                retries=self.max_retries, key_hint=KEY_HINT)
        raise failure

    def close(self) -> None:
        self._client.close()


def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    """Certificate verification on, with the system's roots or the admin's CA bundle."""
    try:
        return ssl.create_default_context(cafile=ca_bundle or None)
    except (OSError, ssl.SSLError) as err:
        raise InputInvalid(f"The CA bundle {ca_bundle} cannot be read: {err}",
                           hint="Ask your administrator to fix org.ca_bundle in the policy.") from None


def _answer_tokens(request: TaskRequest, max_output_tokens: int) -> int:
    """Room for the answer: a label and a little more (to see it settle), a summary's words, or the JSON."""
    spec = request.spec
    if isinstance(spec, ClassifySpec):
        return min(max_output_tokens, 2 * expected_output_tokens(request, max_output_tokens) + 4)
    if isinstance(spec, SummarizeSpec):
        return min(max_output_tokens, int(spec.max_words * 1.8) + 8)
    return max_output_tokens


def read_completion(body: str) -> tuple[Reply, list[TokenLogprob] | None]:
    """Check the shape of a chat-completions response body; the tokens are ``None`` without logprobs."""
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedOutput("The server's answer was not valid JSON.") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedOutput("The server's answer did not have the expected shape (no choices).")
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise MalformedOutput("The server's answer has no text content.")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    model = data.get("model")
    reply = Reply(
        text=content,
        tool_input=None,
        model=model if isinstance(model, str) else None,
        input_tokens=usage["prompt_tokens"] if is_count(usage.get("prompt_tokens")) else 0,
        output_tokens=usage["completion_tokens"] if is_count(usage.get("completion_tokens")) else 0,
        truncated=choice.get("finish_reason") == "length",
    )
    return reply, read_token_logprobs(choice.get("logprobs"))


def _scored(base: ProviderAnswer, request: TaskRequest, reply: Reply, tokens: list[TokenLogprob] | None
            ) -> ProviderAnswer:
    """The answer's output and, where the server sent log-probabilities, its confidence."""
    spec = request.spec
    if isinstance(spec, ClassifySpec):
        scores = label_scores(tokens, spec.labels) if tokens else None
        if scores is None:
            return _replace(base, output=parse_output(request, reply), method="org-generation")
        label, top = scores.top
        return _replace(base, output=label, confidence=top, method="org-label-logprobs",
                        probabilities=scores.probabilities, signals={"label_coverage": scores.coverage})
    output = parse_output(request, reply)
    if not tokens:
        return _replace(base, output=output)
    if isinstance(spec, ExtractSpec):
        fields, overall, mean = field_confidences(reply.text, tokens, output, spec.schema, request.text)
        return _replace(base, output=output, confidence=overall, method="org-json-logprobs", fields=fields,
                        signals={"mean_token_probability": mean})
    confidence, signals = summary_confidence(output, tokens, request.text)
    return _replace(base, output=output, confidence=confidence, method="org-generation-logprobs", signals=signals)


def _replace(answer: ProviderAnswer, **changes: Any) -> ProviderAnswer:
    confidence = changes.get("confidence")
    if confidence is not None:
        changes["confidence"] = min(1.0, max(0.0, confidence)) if math.isfinite(confidence) else None
    return replace(answer, **changes)
