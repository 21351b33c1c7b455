"""Escalation with consent, end to end: real model, real SDK against the fake server, real SQLite."""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import egress, paths
from app.assistant import Assistant
from app.consent import ConsentChoice, ConsentDecision, ConsentRequest, ConsentStatus, FixedAnswer
from app.engine_host import EngineHost
from app.outcome import Action
from app.paths import RESOURCES
from app.policy import load_policy
from app.router import DecisionKind, DenyReason
from app.secrets import set_api_key
from app.tiers import Tier, TierKind
from inference.engine import LocalEngine
from inference.providers import Provider
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest
from tests.conftest import ALWAYS_ESCALATE, write_policy
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401

KEY = "sk-ant-test-SECRET-0123456789abcdef"
PII_TEXT = (
    "Hi, this is Jane Roe. My card 4111 1111 1111 1111 was charged twice. "
    "Mail me at jane.roe@example.com or call +44 20 7946 0958."
)
LABELS = ClassifySpec(labels=("billing", "delivery", "other"))


def fast_provider(tier: Tier, key: str) -> Provider:
    return AnthropicProvider(key, timeout=1.0)  # SDK retries off: the send step retries and audits each


@pytest.fixture
def assistant(engine: LocalEngine, inhouse_home: Path) -> Iterator[Assistant]:
    write_policy(paths.current().user_policy, ALWAYS_ESCALATE)
    set_api_key(KEY)
    a = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=fast_provider)
    yield a
    a.close()


def test_consent_no_sends_nothing_and_keeps_the_local_answer(
    assistant: Assistant, fake_anthropic: FakeAnthropic, guard: None
) -> None:
    gate = FixedAnswer(allow=False)
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), gate)
    assert len(gate.asked) == 1  # the user was asked...
    assert fake_anthropic.requests == []  # ...said no, and nothing reached the server
    assert egress.blocked_attempts() == [] and egress.allowed_attempts() == []
    assert outcome.tier is TierKind.DEVICE and outcome.answer == outcome.local.output
    assert outcome.consent is ConsentStatus.DENIED and outcome.action is Action.DECLINED
    assert assistant.store.list_audit() == []


def test_consent_yes_sends_one_redacted_request_and_audits_it(
    assistant: Assistant, fake_anthropic: FakeAnthropic, guard: None
) -> None:
    fake_anthropic.reply_text("Customer [PERSON_1] was double charged; reply to [EMAIL_1].", input_tokens=80,
                              output_tokens=14)
    gate = FixedAnswer(allow=True)
    outcome = assistant.run(TaskRequest(PII_TEXT, SummarizeSpec(max_words=30)), gate)
    assert len(fake_anthropic.message_requests) == 1
    body = str(fake_anthropic.message_requests[0].body)
    for raw in ("jane.roe@example.com", "4111 1111 1111 1111", "4111111111111111", "7946 0958", "Jane Roe"):
        assert raw not in body
    assert gate.asked[0].payload == fake_anthropic.message_requests[0].body  # what was shown is what was sent
    asked = gate.asked[0]
    where = f"{fake_anthropic.url} (from ANTHROPIC_BASE_URL)"  # the full origin and what set it
    assert (asked.tier, asked.tier_label, asked.destination) == ("cloud", "Cloud", where)
    assert outcome.tier is TierKind.CLOUD and outcome.remote is not None and outcome.remote.confidence is None
    assert outcome.remote.model == "claude-haiku-4-5" and outcome.remote.latency_ms > 0
    assert "jane.roe@example.com" in outcome.answer and "Jane Roe" in outcome.answer  # restored on the device
    intent, done = assistant.store.list_audit()
    assert (intent.kind, intent.consent, intent.tier, done.kind, done.outcome) == (
        "intent", "allow_once", "cloud", "outcome", "answered")
    assert intent.host == fake_anthropic.url.removeprefix("http://") and done.intent_id == intent.id
    sent_bytes = fake_anthropic.message_requests[0].raw
    assert intent.payload_sha256 == hashlib.sha256(sent_bytes).hexdigest()  # the hash of the bytes sent
    assert intent.payload == sent_bytes.decode()
    assert done.cost_usd > 0 and assistant.store.month_spend() == pytest.approx(done.cost_usd)
    assert assistant.store.verify_audit().ok
    assert all(a.permit for a in egress.allowed_attempts())  # only inside the consented permit


def test_edited_payload_is_exactly_what_is_sent(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.reply_text("[PERSON_1]'s card was [REDACTED_1].")

    class EditingGate:
        def ask(self, request: ConsentRequest) -> ConsentDecision:
            edited = request.text.replace("charged twice", "[REDACTED_1]")
            return ConsentDecision(ConsentChoice.ALLOW_ONCE, edited_text=edited,
                                   added_mapping={"[REDACTED_1]": "charged twice"})

    outcome = assistant.run(TaskRequest(PII_TEXT, SummarizeSpec(max_words=20)), EditingGate())
    sent = str(fake_anthropic.message_requests[0].body)
    assert "[REDACTED_1]" in sent and "charged twice" not in sent
    assert outcome.answer == "Jane Roe's card was charged twice."  # both kinds of placeholder restored


def test_admin_never_beats_user_ask_and_consent_yes(
    engine: LocalEngine, fake_anthropic: FakeAnthropic, inhouse_home: Path
) -> None:
    write_policy(paths.current().user_policy, ALWAYS_ESCALATE)
    write_policy(paths.admin_policy_path(), '[escalation]\nmode = "never"\n')
    set_api_key(KEY)
    a = Assistant(host=EngineHost(engine=engine), provider_factory=fast_provider)
    try:
        gate = FixedAnswer(allow=True)
        outcome = a.run(TaskRequest(PII_TEXT, LABELS), gate)
    finally:
        a.close()
    assert outcome.action is Action.DENY and outcome.decision is not None
    assert outcome.decision.deny is DenyReason.POLICY_OFF and "turned off" in outcome.reason
    assert gate.asked == [] and fake_anthropic.requests == []


def test_exhausted_budget_denies_with_the_reason(
    engine: LocalEngine, fake_anthropic: FakeAnthropic, inhouse_home: Path
) -> None:
    no_budget = ALWAYS_ESCALATE.replace('mode = "ask"', 'mode = "ask"\nmonthly_budget_usd = 0.0')
    write_policy(paths.current().user_policy, no_budget)
    set_api_key(KEY)
    a = Assistant(host=EngineHost(engine=engine), provider_factory=fast_provider)
    try:
        outcome = a.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    finally:
        a.close()
    assert outcome.action is Action.DENY and "budget" in outcome.reason
    assert outcome.decision is not None and outcome.decision.deny is DenyReason.OVER_BUDGET
    assert fake_anthropic.requests == []


def test_rate_limit_then_success(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fail(429, times=1, retry_after=0.01)
    fake_anthropic.reply_text("delivery")
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.tier is TierKind.CLOUD and outcome.answer == "delivery"
    assert len(fake_anthropic.message_requests) == 2


def test_hang_times_out_with_a_clear_message(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.hang(5.0)
    fake_anthropic.hang(5.0)
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.tier is TierKind.DEVICE
    assert "did not answer within" in outcome.notice and "unknown" in outcome.notice
    assert assistant.store.list_audit()[-1].outcome.startswith("unknown")
    assert len(fake_anthropic.message_requests) == 1  # bytes left, no answer: never sent again


def test_malformed_content_is_an_error_not_a_result(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.reply_text("I think it is probably about a refund")  # not one of the labels
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.tier is TierKind.DEVICE and outcome.answer == outcome.local.output
    assert outcome.notice


def test_refused_connection_queues_then_queue_send_delivers(
    assistant: Assistant, fake_anthropic: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port on loopback with nobody listening
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed}")
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.action is Action.QUEUE and outcome.queue_id is not None
    assert len(assistant.store.list_queue()) == 1
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    fake_anthropic.reply_text("billing")
    sent = assistant.send_queued(FixedAnswer(allow=True))
    assert [o.tier for o in sent] == [TierKind.CLOUD] and sent[0].answer == "billing"
    assert assistant.store.list_queue() == []


def test_api_key_never_in_database_or_logs(
    assistant: Assistant, fake_anthropic: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_anthropic.fail(500, times=5)
    assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    fake_anthropic.reply_text("billing")
    assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assistant.store.close()
    db = paths.current().database
    for f in db.parent.glob(db.name + "*"):
        assert KEY.encode() not in f.read_bytes()
    assert KEY not in caplog.text


def test_few_shot_examples_leave_redacted(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.reply_text("billing")
    spec = ClassifySpec(labels=LABELS.labels,
                        examples=(("Refund to bob.smith@example.org please, card 4111 1111 1111 1111", "billing"),))
    assistant.run(TaskRequest(PII_TEXT, spec), FixedAnswer(allow=True))
    body = str(fake_anthropic.message_requests[0].body)
    assert "bob.smith@example.org" not in body and "4111 1111 1111 1111" not in body
    assert "[EMAIL_1]" in body


def test_a_connection_dropped_after_the_body_is_not_queued(assistant: Assistant, fake_anthropic: FakeAnthropic) -> None:
    """The body was delivered, so this is not "could not reach": kept local, shown unknown, never queued."""
    fake_anthropic.drop()
    outcome = assistant.run(TaskRequest(PII_TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.tier is TierKind.DEVICE and outcome.action is Action.FAILED and "unknown" in outcome.notice
    assert assistant.store.list_queue() == [] and len(fake_anthropic.message_requests) == 1
    assert assistant.store.list_audit()[-1].outcome.startswith("unknown")


NO_TOTAL = "Invoice from Northwind Traders, dated March 15th.\nPayment by bank transfer, thank you."


def test_a_required_field_the_text_lacks_routes_to_the_bigger_model(
    assistant: Assistant, fake_anthropic: FakeAnthropic, guard: None
) -> None:
    """No total in the text: the device's answer has it missing at confidence 0, so the router asks; with
    consent the cloud's valid answer is shown; without, the device's answer stays and names the field."""
    import json

    spec = ExtractSpec(json.loads((RESOURCES / "schemas" / "invoice.json").read_text()))
    outcome = assistant.run(TaskRequest(NO_TOTAL, spec), None)  # nobody to ask now: the UI offers a button
    assert outcome.local.confidence == 0.0 and "total" in outcome.local.missing
    assert outcome.decision is not None and outcome.decision.kind is DecisionKind.ASK
    assert outcome.action is Action.ASK and outcome.answer["total"] is None and fake_anthropic.requests == []
    assert "total" in outcome.missing and "'total'" in outcome.missing_note and outcome.missing_note in outcome.notes
    assert outcome.to_json()["missing"] == list(outcome.missing)

    answer = {"vendor": "Northwind Traders", "date": "March 15th", "total": 120.0}
    fake_anthropic.reply_json(answer, input_tokens=60, output_tokens=20)
    outcome = assistant.run(TaskRequest(NO_TOTAL, spec), FixedAnswer(allow=True))
    assert outcome.tier is TierKind.CLOUD and outcome.answer["total"] == 120.0
    assert outcome.missing == () and outcome.missing_note == "" and "missing" not in outcome.to_json()
    assert len(fake_anthropic.message_requests) == 1 and assistant.store.verify_audit().ok


def test_a_required_field_missing_with_no_tier_to_go_to_is_said(engine: LocalEngine, inhouse_home: Path) -> None:
    import json

    write_policy(paths.current().user_policy, '[escalation]\nmode = "never"\n')
    a = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=fast_provider)
    try:
        spec = ExtractSpec(json.loads((RESOURCES / "schemas" / "invoice.json").read_text()))
        outcome = a.run(TaskRequest(NO_TOTAL, spec), FixedAnswer(allow=True))
    finally:
        a.close()
    assert outcome.action is Action.DENY and outcome.decision is not None
    assert outcome.decision.deny is DenyReason.POLICY_OFF and outcome.tier is TierKind.DEVICE
    assert outcome.answer["total"] is None and "'total'" in outcome.notes[0]
