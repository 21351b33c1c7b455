"""The send step under attack: write-ahead audit, visible retries, unknown outcomes, redirects, key echoes.

Real ``anthropic`` SDK against fake servers on 127.0.0.1, real SQLite files, a real subprocess killed with
SIGKILL while its request is in flight. No model is needed: the payload is built by the real provider.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.egress import EgressBlocked
from app.sending import Hop, OutcomeUnknown, RedirectRefused, SendFailed, destination_host, transmit
from app.store import Store
from inference.errors import KeyRejected, ProviderUnavailable
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, TaskRequest
from tests.fake_anthropic import FakeAnthropic, RecordedRequest

KEY = "sk-ant-api03-Secret0123456789abcdefXYZ"
REQUEST = TaskRequest("Where is my parcel? It was due on Monday.", ClassifySpec(labels=("billing", "delivery")))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "inhouse.db") as s:
        yield s


def _send(store: Store, url: str, *, mode: str = "full") -> tuple[object, AnthropicProvider]:
    provider = AnthropicProvider(KEY, base_url=url, timeout=2.0)
    payload = provider.build_payload(REQUEST, model="claude-haiku-4-5", max_output_tokens=64)
    hop = Hop(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
              host=destination_host(provider), consent="allow_once")
    result = transmit(store, provider, payload, REQUEST, hop, audit_payload=mode, reserve_usd=0.25, secret=KEY,
                      sleep=lambda s: None)
    return result, provider


def test_the_intent_row_is_committed_before_the_server_sees_a_byte(fake: FakeAnthropic, store: Store) -> None:
    seen_at_arrival: list[int] = []

    def count_intents(_: RecordedRequest) -> None:  # the server looks at the database on arrival
        with sqlite3.connect(store.path) as other:
            seen_at_arrival.append(other.execute("SELECT count(*) FROM audit WHERE kind = 'intent'").fetchone()[0])

    fake.on_receive = count_intents
    fake.reply_text("delivery")
    sent, _ = _send(store, fake.url)
    assert seen_at_arrival == [1]
    intent, outcome = store.list_audit()
    raw = fake.message_requests[0].raw
    assert intent.payload_sha256 == hashlib.sha256(raw).hexdigest() and intent.payload == raw.decode()
    assert (intent.tier, intent.host, intent.consent) == ("cloud", fake.url.removeprefix("http://"), "allow_once")
    assert (outcome.outcome, outcome.intent_id, outcome.attempt_list) == (
        "answered", intent.id, [{"n": 1, "sent": True, "status": 200}])
    assert store.verify_audit().ok


def test_hash_mode_keeps_the_sha256_of_the_exact_bytes_sent(fake: FakeAnthropic, store: Store) -> None:
    fake.reply_text("delivery")
    _send(store, fake.url, mode="hash")
    intent = store.list_audit()[0]
    assert intent.payload is None
    assert intent.payload_sha256 == hashlib.sha256(fake.message_requests[0].raw).hexdigest()


def test_a_connection_dropped_after_the_body_is_unknown_and_never_resent(fake: FakeAnthropic, store: Store) -> None:
    """The attack: the server reads the body and hangs up. Delivered, so never 'could not reach'."""
    fake.drop()
    fake.reply_text("delivery")  # a resend would get this answer
    with pytest.raises(SendFailed) as info:
        _send(store, fake.url)
    assert isinstance(info.value.error, OutcomeUnknown) and "unknown" in str(info.value.error)
    assert len(fake.message_requests) == 1
    outcome = store.list_audit()[-1]
    assert outcome.outcome.startswith("unknown") and outcome.attempt_list[0]["sent"] is True
    assert store.month_spend() == pytest.approx(0.25)  # the reserve counts while the outcome is unknown


def test_retries_are_each_recorded_with_their_status(fake: FakeAnthropic, store: Store) -> None:
    fake.fail(500, times=2)
    fake.reply_text("delivery")
    sent, _ = _send(store, fake.url)
    assert len(fake.message_requests) == 3
    outcome = store.list_audit()[-1]
    assert [a["status"] for a in outcome.attempt_list] == [500, 500, 200]
    assert len(store.list_audit()) == 2  # one intent, one outcome
    raws = {r.raw for r in fake.message_requests}
    assert len(raws) == 1  # every attempt sent the audited bytes


def test_a_redirect_to_another_host_is_not_followed(fake: FakeAnthropic, store: Store) -> None:
    """The attack: a 307 that would carry the consented body to a second host."""
    second = FakeAnthropic().start()
    try:
        second.reply_text("delivery")
        fake.redirect(f"{second.url}/v1/messages")
        with pytest.raises(SendFailed) as info:
            _send(store, fake.url)
        assert second.requests == []
    finally:
        second.close()
    assert isinstance(info.value.error, RedirectRefused)
    assert store.list_audit()[-1].attempt_list[0]["redirect_to"] == second.url.removeprefix("http://")


def test_a_proxy_in_the_environment_does_not_change_where_data_goes(
    fake: FakeAnthropic, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://192.0.2.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    fake.reply_text("delivery")
    _send(store, fake.url)
    assert len(fake.message_requests) == 1


def test_an_echoed_key_in_any_case_or_prefix_is_scrubbed(fake: FakeAnthropic, store: Store) -> None:
    fake.fail(401, message=f"invalid x-api-key {KEY.upper()} (starts {KEY[:14]}, lower {KEY.lower()})")
    with pytest.raises(SendFailed) as info:
        _send(store, fake.url)
    assert isinstance(info.value.error, KeyRejected)
    text = info.value.error.user_message()
    stored = store.path.read_bytes() + store.path.with_name("inhouse.db-wal").read_bytes()
    for leak in (KEY, KEY.upper(), KEY.lower(), KEY[:8], KEY[:14]):
        assert leak.casefold() not in text.casefold()
        assert leak.encode() not in stored
    assert "[api key]" in store.list_audit()[-1].outcome


def test_nothing_is_sent_when_the_intent_row_cannot_be_written(fake: FakeAnthropic, store: Store) -> None:
    with sqlite3.connect(store.path) as other:
        other.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    fake.reply_text("delivery")
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        _send(store, fake.url)
    assert fake.requests == []


def test_a_refused_connection_is_not_sent_and_may_be_queued(store: Store) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(ProviderUnavailable):
        _send(store, f"http://127.0.0.1:{closed}")
    outcome = store.list_audit()[-1]
    assert outcome.outcome.startswith("not sent") and len(outcome.attempt_list) == 3
    assert not any(a["sent"] for a in outcome.attempt_list)
    assert store.month_spend() == 0.0


def test_a_request_to_another_host_than_the_hop_is_refused(fake: FakeAnthropic, store: Store) -> None:
    provider = AnthropicProvider(KEY, base_url=fake.url)
    payload = provider.build_payload(REQUEST, model="claude-haiku-4-5", max_output_tokens=64)
    hop = Hop(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
              host="api.anthropic.com", consent="allow_once")
    with pytest.raises(EgressBlocked):
        transmit(store, provider, payload, REQUEST, hop, audit_payload="full", sleep=lambda s: None)
    assert fake.requests == [] and store.list_audit() == []


_CHILD = """
import sys
from app.sending import Hop, destination_host, transmit
from app.store import Store
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, TaskRequest
request = TaskRequest("Where is my parcel?", ClassifySpec(labels=("billing", "delivery")))
provider = AnthropicProvider("sk-ant-child-key-0123456789", base_url=sys.argv[2], timeout=60)
payload = provider.build_payload(request, model="claude-haiku-4-5", max_output_tokens=64)
hop = Hop("classify", "cloud", "anthropic", "claude-haiku-4-5", destination_host(provider), "allow_once")
transmit(Store(sys.argv[1]), provider, payload, request, hop, audit_payload="hash", reserve_usd=0.5)
"""


def test_kill_9_while_the_request_is_in_flight_leaves_the_intent_row(fake: FakeAnthropic, tmp_path: Path) -> None:
    """The attack: the payload is delivered and the process dies before any answer is recorded."""
    db = tmp_path / "child.db"
    fake.hang(30)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db), fake.url], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not fake.message_requests and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert fake.message_requests, "the child never sent its request"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    with Store(db) as store:
        [intent] = store.open_intents()
        assert intent.payload_sha256 == hashlib.sha256(fake.message_requests[0].raw).hexdigest()
        assert store.verify_audit().ok
        assert store.month_spend() > 0  # its reserve counts until the outcome is known


def test_bytes_with_an_unknown_outcome_are_not_resent_on_the_admin_policy_alone(
    fake: FakeAnthropic, store: Store
) -> None:
    """The attack: a queued or repeated request goes out again automatically after a dropped connection."""
    provider = AnthropicProvider(KEY, base_url=fake.url, timeout=2.0)
    payload = provider.build_payload(REQUEST, model="claude-haiku-4-5", max_output_tokens=64)

    def send(consent: str) -> object:
        hop = Hop(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
                  host=destination_host(provider), consent=consent)
        return transmit(store, AnthropicProvider(KEY, base_url=fake.url, timeout=2.0), payload, REQUEST, hop,
                        audit_payload="hash", sleep=lambda s: None)

    fake.drop()
    with pytest.raises(SendFailed):
        send("auto")
    fake.reply_text("delivery")
    with pytest.raises(SendFailed) as info:
        send("auto")
    assert "outcome is unknown" in str(info.value.error) and len(fake.message_requests) == 1
    send("allow_once")  # a person said yes again
    assert len(fake.message_requests) == 2


def test_stopping_mid_send_closes_the_intent_with_what_is_known(fake: FakeAnthropic, store: Store) -> None:
    """Ctrl+C while waiting to retry: the outcome row says the server answered 500, then the user stopped."""
    provider = AnthropicProvider(KEY, base_url=fake.url, timeout=2.0)
    payload = provider.build_payload(REQUEST, model="claude-haiku-4-5", max_output_tokens=64)
    hop = Hop(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
              host=destination_host(provider), consent="allow_once")
    fake.fail(500)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        transmit(store, provider, payload, REQUEST, hop, audit_payload="hash", sleep=interrupted)
    assert store.open_intents() == []
    assert store.list_audit()[-1].outcome == "error: HTTP 500, then stopped by the user (KeyboardInterrupt)"
