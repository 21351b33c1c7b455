"""The Anthropic provider through the real SDK against the fake Messages API on 127.0.0.1; the price table."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from inference.errors import (
    InhouseError,
    InputInvalid,
    KeyMissing,
    KeyRejected,
    MalformedOutput,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    SchemaInvalid,
)
from inference.prices import PriceTable, PriceTableInvalid
from inference.providers import Provider, ProviderAnswer
from inference.providers.anthropic import AnthropicProvider, estimate, payload_text
from inference.providers.parsing import MalformedAnswer
from inference.providers.sdk_errors import ProviderHTTPError
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401

KEY = "sk-ant-api03-TESTKEY-9f8e7d6c5b4a"
MODEL = "claude-haiku-4-5"
LABELS = ("billing", "technical", "other")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "amount": {"type": "number"}},
    "required": ["name", "amount"],
}
CLASSIFY = TaskRequest("My invoice from [PERSON_1] was charged twice.", ClassifySpec(LABELS))
EXTRACT = TaskRequest("[PERSON_1] paid 12.50 EUR for the lamp.", ExtractSpec(SCHEMA))
SUMMARIZE = TaskRequest("The meeting moved to Friday. " * 20, SummarizeSpec(max_words=6))


@pytest.fixture
def fake(fake_anthropic: FakeAnthropic) -> FakeAnthropic:  # noqa: F811 - the imported fixture
    return fake_anthropic


@pytest.fixture
def provider(fake: FakeAnthropic) -> Iterator[AnthropicProvider]:
    with AnthropicProvider(KEY, timeout=2.0, max_retries=0) as p:
        yield p


@pytest.fixture
def retrying(fake: FakeAnthropic) -> Iterator[AnthropicProvider]:
    with AnthropicProvider(KEY, timeout=2.0, max_retries=2) as p:
        yield p


def assert_no_key(err: BaseException) -> None:
    texts = [str(err), repr(err), err.user_message() if isinstance(err, InhouseError) else ""]
    assert all(KEY not in t for t in texts)
    chain: BaseException | None = err
    while chain is not None:  # no SDK exception (it holds the request headers) is attached
        assert not type(chain).__module__.startswith(("anthropic", "httpx"))
        chain = chain.__cause__ or chain.__context__


def header(req: Any, name: str) -> str | None:
    return next((v for k, v in req.headers.items() if k.lower() == name), None)


# -- round trips -------------------------------------------------------------------------------


def test_classify_round_trip_sends_exactly_the_payload(
    fake: FakeAnthropic, provider: AnthropicProvider
) -> None:
    fake.reply_text(" Billing.\n", input_tokens=120, output_tokens=3)
    payload = provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=16)

    answer = provider.send(payload, CLASSIFY)

    assert isinstance(answer, ProviderAnswer)
    assert answer.output == "billing"
    assert answer.raw_text == " Billing.\n"
    assert (answer.model, answer.input_tokens, answer.output_tokens) == (MODEL, 120, 3)
    assert answer.cost_usd == pytest.approx((120 * 1.00 + 3 * 5.00) / 1e6)
    assert answer.request_id == "req_fake_1" and answer.latency_ms > 0
    [sent] = fake.message_requests
    assert sent.body == payload
    assert set(payload) == {"model", "max_tokens", "system", "messages"}
    assert payload["messages"] == [{"role": "user", "content": CLASSIFY.text}]
    assert all(f"- {label}" in payload["system"] for label in LABELS)
    assert KEY in (header(sent, "authorization") or "") + (header(sent, "x-api-key") or "")


def test_extract_uses_structured_output_and_validates(
    fake: FakeAnthropic, provider: AnthropicProvider
) -> None:
    fake.reply_json({"name": "[PERSON_1]", "amount": 12.5}, input_tokens=300, output_tokens=20)
    payload = provider.build_payload(EXTRACT, model="claude-sonnet-4-6", max_output_tokens=256)

    answer = provider.send(payload, EXTRACT)

    assert answer.output == {"name": "[PERSON_1]", "amount": 12.5}
    assert answer.cost_usd == pytest.approx((300 * 3 + 20 * 15) / 1e6)
    assert fake.message_requests[0].body == payload
    fmt = payload["output_config"]["format"]
    assert fmt["type"] == "json_schema"
    assert fmt["schema"]["required"] == ["name", "amount"] and fmt["schema"]["additionalProperties"] is False
    assert '"amount"' in payload["system"]


def test_extract_without_structured_output_parses_fenced_json(
    fake: FakeAnthropic, provider: AnthropicProvider
) -> None:
    fake.reply_text('```json\n{"name": "Ada", "amount": 3}\n```')
    payload = provider.build_payload(EXTRACT, model="claude-opus-4-1", max_output_tokens=128)
    assert "output_config" not in payload
    assert provider.send(payload, EXTRACT).output == {"name": "Ada", "amount": 3}


def test_extract_accepts_a_tool_use_answer(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    fake.reply_tool_use("extract", {"name": "Ada", "amount": 1})
    payload = provider.build_payload(EXTRACT, model=MODEL, max_output_tokens=128)
    assert provider.send(payload, EXTRACT).output == {"name": "Ada", "amount": 1}


def test_summarize_round_trip_and_word_budget(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    payload = provider.build_payload(SUMMARIZE, model=MODEL, max_output_tokens=64)
    assert "at most 6 words" in payload["system"]
    fake.reply_text("Meeting moved to Friday.")
    assert provider.send(payload, SUMMARIZE).output == "Meeting moved to Friday."
    fake.reply_text("The weekly meeting has moved to Friday afternoon at three.")
    answer = provider.send(payload, SUMMARIZE)
    assert len(answer.output.split()) <= 6 and answer.output.startswith("The weekly meeting")
    assert [r.body for r in fake.message_requests] == [payload, payload]


def test_base_url_from_env_and_explicit(fake: FakeAnthropic) -> None:
    with AnthropicProvider(KEY) as p:
        assert p.base_url.rstrip("/") == fake.url
    with AnthropicProvider(KEY, base_url="http://127.0.0.1:9") as p:
        assert p.base_url.rstrip("/") == "http://127.0.0.1:9"


# -- failures ----------------------------------------------------------------------------------


def test_429_then_200_succeeds_after_a_retry(fake: FakeAnthropic, retrying: AnthropicProvider) -> None:
    fake.fail(429, retry_after=0.01)
    fake.reply_text("other")
    started = time.monotonic()
    answer = retrying.send(retrying.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert answer.output == "other"
    assert len(fake.message_requests) == 2
    assert time.monotonic() - started < 2


def test_529_repeatedly_is_rate_limited(fake: FakeAnthropic, retrying: AnthropicProvider) -> None:
    fake.fail(529, times=3, retry_after=0.01)
    with pytest.raises(RateLimited, match="529") as info:
        retrying.send(retrying.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert len(fake.message_requests) == 3  # first try + max_retries
    assert fake.pending == 0
    assert_no_key(info.value)


def test_429_after_retries_is_rate_limited(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    fake.fail(429)
    with pytest.raises(RateLimited, match="429") as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert_no_key(info.value)


def test_500_is_a_provider_error_with_status(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    fake.fail(500, message="upstream exploded")
    with pytest.raises(ProviderHTTPError) as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    err = info.value
    assert isinstance(err, ProviderError) and not isinstance(err, RateLimited | ProviderUnavailable)
    assert err.status == 500 and "HTTP 500" in str(err) and "upstream exploded" in str(err)
    assert err.request_id == "req_fake_1" and err.hint
    assert_no_key(err)


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key(fake: FakeAnthropic, provider: AnthropicProvider, status: int) -> None:
    fake.fail(status, message=f"invalid x-api-key {KEY}")  # even an echoed key is scrubbed
    with pytest.raises(KeyRejected, match=str(status)) as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert "inhouse key set" in info.value.hint
    assert_no_key(info.value)


def test_hang_times_out_quickly(fake: FakeAnthropic) -> None:
    fake.hang(10)
    with AnthropicProvider(KEY, timeout=0.3, max_retries=0) as p:
        started = time.monotonic()
        with pytest.raises(ProviderTimeout) as info:
            p.send(p.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert time.monotonic() - started < 3
    assert_no_key(info.value)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused_is_unavailable() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with AnthropicProvider(KEY, base_url=url, max_retries=0) as p, pytest.raises(ProviderUnavailable) as info:
        p.send(p.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert "127.0.0.1" in str(info.value) and "queue" in info.value.hint
    assert_no_key(info.value)


@pytest.mark.parametrize("kind", ["json", "shape", "empty"])
def test_malformed_answers(fake: FakeAnthropic, provider: AnthropicProvider, kind: Any) -> None:
    fake.malformed(kind)
    with pytest.raises(MalformedOutput) as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert_no_key(info.value)


def test_label_outside_the_set_is_malformed_and_keeps_the_cost(
    fake: FakeAnthropic, provider: AnthropicProvider
) -> None:
    fake.reply_text("refund", input_tokens=100, output_tokens=2)
    with pytest.raises(MalformedAnswer, match="not one of the labels") as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    err = info.value
    assert isinstance(err, MalformedOutput)
    assert (err.raw_text, err.input_tokens, err.output_tokens) == ("refund", 100, 2)
    assert err.cost_usd == pytest.approx((100 * 1 + 2 * 5) / 1e6)


@pytest.mark.parametrize(
    "answer",
    ['{"name": "Ada"}', '{"name": "Ada", "amount": "twelve"}', "Ada paid 12.50", '["Ada", 12.5]'],
)
def test_schema_invalid_or_non_json_is_malformed(
    fake: FakeAnthropic, provider: AnthropicProvider, answer: str
) -> None:
    fake.reply_text(answer)
    with pytest.raises(MalformedOutput):
        provider.send(provider.build_payload(EXTRACT, model=MODEL, max_output_tokens=64), EXTRACT)


def test_refusal_is_malformed(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    fake.reply_text("I can't help with that.", stop_reason="refusal")
    with pytest.raises(MalformedOutput, match="declined"):
        provider.send(provider.build_payload(SUMMARIZE, model=MODEL, max_output_tokens=64), SUMMARIZE)


def test_unscripted_request_fails_loudly(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    with pytest.raises(ProviderHTTPError) as info:
        provider.send(provider.build_payload(CLASSIFY, model=MODEL, max_output_tokens=8), CLASSIFY)
    assert info.value.status == 400


# -- payloads, keys, estimates -----------------------------------------------------------------


def test_build_payload_rejects_bad_input(provider: AnthropicProvider) -> None:
    with pytest.raises(InputInvalid):
        provider.build_payload(TaskRequest("   ", SummarizeSpec()), model=MODEL, max_output_tokens=8)
    with pytest.raises(SchemaInvalid):
        bad = TaskRequest("x", ExtractSpec({"type": "object", "properties": {"a": {"type": "strin"}}}))
        provider.build_payload(bad, model=MODEL, max_output_tokens=8)


def test_missing_key_and_repr_without_key(fake: FakeAnthropic) -> None:
    with pytest.raises(KeyMissing):
        AnthropicProvider("  ")
    with AnthropicProvider(KEY) as p:
        as_protocol: Provider = p  # AnthropicProvider meets the Provider contract (checked by mypy)
        assert as_protocol.name == "anthropic"
        assert KEY not in repr(p) and KEY not in str(p)
        assert "sk-ant" not in repr(p)


def test_estimate_is_offline_and_priced(fake: FakeAnthropic, provider: AnthropicProvider) -> None:
    est = provider.estimate(EXTRACT, model=MODEL, max_output_tokens=200)
    text = payload_text(provider.build_payload(EXTRACT, model=MODEL, max_output_tokens=200))
    assert est.input_tokens >= len(text) / 4
    assert est.output_tokens == 200  # extraction: the whole allowance
    assert est.cost_usd == pytest.approx(provider.prices.cost(MODEL, est.input_tokens, 200))
    assert est.max_cost_usd >= est.cost_usd and est.price_known
    short = estimate(CLASSIFY, MODEL, 200)
    assert short.output_tokens < 10 and short.max_cost_usd > short.cost_usd
    newer = estimate(CLASSIFY, "claude-haiku-5-5", 200)
    assert newer.input_tokens > short.input_tokens  # the newer tokenizer makes more tokens
    unknown = estimate(CLASSIFY, "claude-unreleased-9", 200)
    assert not unknown.price_known and unknown.cost_usd > short.cost_usd
    assert fake.requests == []  # nothing left the device


# -- price table -------------------------------------------------------------------------------


def test_bundled_price_table() -> None:
    table = PriceTable.load()
    assert isinstance(table.as_of, date) and table.source.startswith("https://")
    assert table.cost("claude-haiku-4-5", 1_000_000, 1_000_000) == pytest.approx(6.0)
    assert table.cost("claude-haiku-4-5-20251001", 1_000_000, 0) == pytest.approx(1.0)
    assert table.cost("claude-sonnet-4-6", 2_000, 1_000) == pytest.approx(0.021)
    assert table.cost("claude-haiku-5-5", 100_000, 1_000) == pytest.approx(0.01 + 0.0005)
    assert table.cost("claude-haiku-5-5", 100_001, 1_000) == pytest.approx(
        (100_001 * 0.5 + 1_000 * 2.5) / 1e6
    )


def test_unknown_model_is_priced_at_the_highest_rates() -> None:
    table = PriceTable.load()
    assert not table.is_known("claude-mystery-1")
    price = table.price("claude-mystery-1")
    assert not price.known and (price.input_per_mtok, price.output_per_mtok) == (15.0, 75.0)


def test_edited_price_file(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text('as_of = 2027-01-15\nsource = "me"\n[models.my-model]\ninput = 2\noutput = 4\n')
    table = PriceTable.load(path)
    assert table.as_of == date(2027, 1, 15) and table.cost("my-model", 500_000, 250_000) == pytest.approx(2.0)
    path.write_text("as_of = 2027-01-15\n[models.my-model]\ninput = -2\noutput = 4\n")
    with pytest.raises(PriceTableInvalid, match="input"):
        PriceTable.load(path)
    path.write_text("as_of = 2027-01-15\n[models.my-model\n")
    with pytest.raises(PriceTableInvalid, match="TOML"):
        PriceTable.load(path)
    with pytest.raises(PriceTableInvalid, match="not found"):
        PriceTable.load(tmp_path / "missing.toml")
