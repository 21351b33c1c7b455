"""The eval harness: metrics, a local run with the real model, and the frontier side only with consent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.evals import build_report, frontier_consent, load_eval_set, run_frontier, run_local
from app.secrets import set_api_key
from inference.engine import LocalEngine
from inference.errors import InputInvalid
from inference.frontier import AnthropicProvider
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401
from tests.test_cli_tasks import every_connection  # noqa: F401

EVAL = {
    "name": "tiny", "task": "classify", "labels": ["positive", "negative"],
    "items": [
        {"text": "I love it, wonderful service!", "expected": "positive"},
        {"text": "Awful, it broke on day one.", "expected": "negative"},
        {"text": "Great, thanks so much!", "expected": "positive"},
    ],
}


def test_bad_eval_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"task": "classify"}')
    with pytest.raises(InputInvalid, match="not a usable eval set"):
        load_eval_set(bad)


@pytest.fixture
def assistant(engine: LocalEngine) -> Iterator[Assistant]:
    a = Assistant(host=EngineHost(engine=engine),
                  provider_factory=lambda key: AnthropicProvider(key, timeout=2.0, max_retries=0))
    yield a
    a.close()


def test_local_and_frontier_side_by_side(
    assistant: Assistant, fake_anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(EVAL))
    evalset = load_eval_set(path)
    set_api_key("sk-ant-test-eval")
    for answer in ("positive", "negative", "positive"):
        fake_anthropic.reply_text(answer, input_tokens=50, output_tokens=1)
    local = run_local(assistant, evalset)
    gate = FixedAnswer(allow=True)
    consent = frontier_consent(assistant, evalset, gate)
    assert consent == "allow_once" and len(gate.asked) == 1  # one question for the whole set
    frontier = run_frontier(assistant, evalset, consent)
    report = build_report(evalset, "local-model", local, frontier, target=0.9)
    assert report.local.n == 3 and report.local.ece is not None and report.local.cost_per_message_usd == 0
    assert report.frontier is not None and report.frontier.accuracy == 1.0
    assert report.frontier.cost_per_message_usd > 0
    assert len(fake_anthropic.message_requests) == 3
    rows = assistant.store.list_audit()  # an "about to send" row and an outcome row per message
    assert [r.kind for r in rows] == ["intent", "outcome"] * 3 and assistant.store.verify_audit().ok


def test_declined_frontier_run_sends_nothing(
    assistant: Assistant, fake_anthropic: FakeAnthropic, tmp_path: Path,
    every_connection: list[tuple[str, object]],
) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(EVAL))
    evalset = load_eval_set(path)
    set_api_key("sk-ant-test-eval")
    run_local(assistant, evalset)
    assert frontier_consent(assistant, evalset, FixedAnswer(allow=False)) is None
    assert fake_anthropic.requests == []
    assert every_connection == []
