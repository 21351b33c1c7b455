"""The tier walk end to end: the real starter model on the device, llama-cpp-python's real server as the
organisation's server (real ``openai`` SDK), the fake Messages API as the cloud (real ``anthropic`` SDK),
real SQLite, real policy files."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import egress, paths
from app.assistant import Assistant
from app.consent import ConsentStatus, FixedAnswer
from app.engine_host import EngineHost
from app.outcome import Action
from app.policy import load_policy
from app.router import DecisionKind
from app.secrets import set_api_key
from app.tiers import Tier, TierKind, tiers
from inference.engine import LocalEngine
from inference.providers import Provider, ProviderSettings, build_provider
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, ExtractSpec, TaskRequest
from tests.conftest import write_policy
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401
from tests.org_server import OrgProxy, OrgServer, free_port, org_proxy, org_server  # noqa: F401

KEY = "sk-ant-test-SECRET-0123456789abcdef"
LABELS = ClassifySpec(labels=("positive", "negative", "neutral"))
TEXT = "I love the new update, it is great! Thanks, Jane Roe (jane.roe@example.com)"


def admin_policy(endpoint: str, *, consent: str = "none", org_threshold: float = 0.0, when_down: str = "queue",
                 cloud_mode: str = "ask") -> None:
    """Every device answer is below its threshold; the org tier's threshold and rules as given."""
    write_policy(paths.admin_policy_path(), f"""[thresholds]
classify = 1.0
extract = 1.0
summarize = 1.0
[org]
endpoint = "{endpoint}"
name = "Acme"
model = "starter"
allowed_models = ["starter"]
consent = "{consent}"
schema_format = "json_object"
classify_threshold = {org_threshold}
when_down = "{when_down}"
timeout_s = 240
[escalation]
mode = "{cloud_mode}"
""")


def providers(tier: Tier, key: str) -> Provider:
    """The policy's providers; the cloud's pointed at the fake (its base URL comes from the environment)."""
    if tier.kind is TierKind.CLOUD:
        return AnthropicProvider(key, timeout=5.0, max_retries=0)
    return build_provider(ProviderSettings(tier.provider, key, tier.endpoint, tier.server_name, tier.timeout_s,
                                           schema_format=tier.schema_format))


@pytest.fixture
def assistant_for(engine: LocalEngine, inhouse_home: Path) -> Iterator[type[Assistant]]:
    made: list[Assistant] = []
    set_api_key(KEY)

    def make() -> Assistant:
        a = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=providers)
        made.append(a)
        return a

    yield make  # type: ignore[misc]
    for a in made:
        a.close()


@pytest.mark.model
def test_a_low_confidence_device_answer_goes_to_the_org_server_and_stops_there(
    assistant_for: type[Assistant], org_proxy: OrgProxy, fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(org_proxy.url, consent="none", org_threshold=0.0)
    gate = FixedAnswer(allow=True)
    assistant = assistant_for()
    outcome = assistant.run(TaskRequest(TEXT, LABELS), gate)
    assert gate.asked == []  # the admin's policy needs no consent for the org tier
    assert fake_anthropic.requests == []  # the org answer met its threshold: nothing reached the cloud
    assert outcome.tier is TierKind.ORG and outcome.action is Action.ACCEPT and outcome.tier_label == "On Acme's server"
    hop = outcome.remote
    assert hop is not None and hop.method == "org-label-logprobs" and hop.model == "starter"
    assert hop.confidence is not None and 0 < hop.confidence <= 1 and hop.probabilities is not None
    assert outcome.answer in LABELS.labels and outcome.confidence == hop.confidence
    assert hop.consent is ConsentStatus.ADMIN_NO_CONSENT
    sent = str(org_proxy.bodies[0])
    assert "jane.roe@example.com" not in sent and "Jane Roe" not in sent  # redacted for the org tier too
    intent, done = assistant.store.list_audit()  # written ahead, then closed
    host = org_proxy.url.split("/")[2]
    assert (intent.kind, intent.tier, intent.host, intent.provider, intent.model, intent.consent) == (
        "intent", "org", host, "openai-compatible", "starter", "admin_org")
    assert (done.kind, done.outcome, done.intent_id) == ("outcome", "answered", intent.id)
    assert done.id == outcome.audit_id == hop.audit_id and hop.host == host


@pytest.mark.model
def test_below_the_org_threshold_the_cloud_is_asked_and_the_audit_shows_both_hops(
    assistant_for: type[Assistant], org_proxy: OrgProxy, fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(org_proxy.url, consent="none", org_threshold=1.0)
    fake_anthropic.reply_text("positive", input_tokens=50, output_tokens=1)
    assistant = assistant_for()
    gate = FixedAnswer(allow=True)
    outcome = assistant.run(TaskRequest(TEXT, LABELS), gate)
    assert [a.tier for a in gate.asked] == ["cloud"]  # consent asked for the cloud, not for the org server
    assert [h.tier for h in outcome.hops] == [TierKind.ORG, TierKind.CLOUD]
    assert outcome.tier is TierKind.CLOUD and outcome.answer == "positive" and outcome.confidence is None
    assert len(org_proxy.bodies) == 1 and len(fake_anthropic.message_requests) == 1
    rows = sorted(assistant.store.list_audit(), key=lambda r: r.id)
    assert [(r.kind, r.tier, r.provider, r.consent, r.outcome) for r in rows] == [
        ("intent", "org", "openai-compatible", "admin_org", "about to send"),
        ("outcome", "org", "openai-compatible", "admin_org", "answered"),
        ("intent", "cloud", "anthropic", "allow_once", "about to send"),
        ("outcome", "cloud", "anthropic", "allow_once", "answered"),
    ]
    assert [r.host for r in rows] == [org_proxy.url.split("/")[2]] * 2 + [fake_anthropic.url.split("/")[2]] * 2
    assert assistant.store.verify_audit().ok


@pytest.mark.model
def test_org_consent_ask_names_the_tier_and_host_and_no_means_nothing_leaves(
    assistant_for: type[Assistant], org_proxy: OrgProxy, fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(org_proxy.url, consent="ask")
    gate = FixedAnswer(allow=False)
    assistant = assistant_for()
    outcome = assistant.run(TaskRequest(TEXT, LABELS), gate)
    (asked,) = gate.asked
    origin = "/".join(org_proxy.url.split("/")[:3])  # scheme://host:port
    assert (asked.tier, asked.tier_label, asked.destination) == ("org", "On Acme's server", origin)
    assert asked.provider == "openai-compatible" and asked.payload["logprobs"] is True
    assert outcome.action is Action.DECLINED and outcome.tier is TierKind.DEVICE
    assert org_proxy.bodies == [] and fake_anthropic.requests == [] and assistant.store.list_audit() == []


@pytest.mark.model
def test_no_logprobs_from_the_org_server_is_confidence_unknown_and_counts_as_low(
    assistant_for: type[Assistant], org_proxy: OrgProxy, fake_anthropic: FakeAnthropic,
) -> None:
    org_proxy.strip_logprobs = True
    admin_policy(org_proxy.url, consent="none")
    schema = {"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}
    schema_request = TaskRequest("Invoice total: 1250.00 EUR, due 2024-03-01.", ExtractSpec(schema))
    outcome = assistant_for().run(schema_request, None)  # no gate: the cloud is offered, not asked
    assert [h.tier for h in outcome.hops] == [TierKind.ORG]
    assert outcome.remote is not None and outcome.remote.confidence is None and outcome.confidence is None
    assert outcome.action is Action.ASK and outcome.decision is not None
    assert outcome.decision.kind is DecisionKind.ASK and outcome.decision.next_tier is TierKind.CLOUD
    assert "confidence unknown" in outcome.reason and fake_anthropic.requests == []


def test_an_org_server_that_is_down_queues_by_default(
    assistant_for: type[Assistant], fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(f"http://127.0.0.1:{free_port()}/v1", consent="none", when_down="queue")
    assistant = assistant_for()
    outcome = assistant.run(TaskRequest(TEXT, LABELS), FixedAnswer(allow=True))
    assert outcome.action is Action.QUEUE and outcome.queue_id is not None and outcome.tier is TierKind.DEVICE
    assert "Acme's server could not be reached" in outcome.reason
    assert fake_anthropic.requests == [] and len(assistant.store.list_queue()) == 1
    assert TierKind.ORG in assistant.unreachable
    intent, done = assistant.store.list_audit()  # written ahead; nothing left the device
    assert (intent.tier, done.outcome.split(":")[0]) == ("org", "not sent")
    assert all(not attempt["sent"] for attempt in done.attempt_list)


def test_an_org_server_that_is_down_falls_through_to_the_cloud_when_the_policy_says_so(
    assistant_for: type[Assistant], fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(f"http://127.0.0.1:{free_port()}/v1", consent="none", when_down="next")
    fake_anthropic.reply_text("negative")
    gate = FixedAnswer(allow=True)
    outcome = assistant_for().run(TaskRequest(TEXT, LABELS), gate)
    assert [a.tier for a in gate.asked] == ["cloud"]  # the cloud keeps its own rules: asked
    assert outcome.tier is TierKind.CLOUD and outcome.answer == "negative"
    assert "could not be reached" in outcome.notice


def test_the_org_tiers_permit_opens_only_its_configured_host(
    engine: LocalEngine, inhouse_home: Path, org_proxy: OrgProxy, guard: None,
) -> None:
    admin_policy(org_proxy.url, consent="none", cloud_mode="never")
    elsewhere = org_proxy.url.replace("127.0.0.1", "localhost")  # the same server under another name

    def misdirected(tier: Tier, key: str) -> Provider:
        return build_provider(ProviderSettings(tier.provider, key, elsewhere, tier.server_name, tier.timeout_s,
                                               schema_format=tier.schema_format))

    assistant = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=misdirected)
    try:
        outcome = assistant.run(TaskRequest(TEXT, LABELS), FixedAnswer(allow=True))
        assert org_proxy.bodies == []  # refused before a byte left
        assert outcome.tier is TierKind.DEVICE and outcome.action is Action.DENY  # the org refused, the cloud off
        assert "Refused to send to localhost" in outcome.notice and "agreed for 127.0.0.1" in outcome.notice
        assert assistant.store.list_audit() == []  # refused before the intent row: nothing left
    finally:
        assistant.close()
    tier = tiers(load_policy().policy)[1]
    with egress.permit("the org tier", host=tier.endpoint.split("//")[1].split(":")[0]), \
            pytest.raises(egress.EgressBlocked):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # any other host: refused by the guard


def test_an_org_server_that_fails_is_passed_over_for_the_cloud_under_its_rules(
    assistant_for: type[Assistant], org_proxy: OrgProxy, fake_anthropic: FakeAnthropic,
) -> None:
    admin_policy(org_proxy.url, consent="none")
    org_proxy.fail_status = 400  # an answer the send step does not retry
    fake_anthropic.reply_text("neutral")
    gate = FixedAnswer(allow=True)
    assistant = assistant_for()
    outcome = assistant.run(TaskRequest(TEXT, LABELS), gate)
    assert len(org_proxy.bodies) == 1 and [a.tier for a in gate.asked] == ["cloud"]
    assert outcome.tier is TierKind.CLOUD and outcome.answer == "neutral" and "HTTP 400" in outcome.notice
    rows = sorted(assistant.store.list_audit(), key=lambda r: r.id)
    assert [(r.tier, r.kind) for r in rows] == [("org", "intent"), ("org", "outcome"), ("cloud", "intent"),
                                                ("cloud", "outcome")]
    assert rows[1].outcome.startswith("error")
