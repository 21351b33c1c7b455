"""The monthly review, end to end: a store filled through the real assistant (starter model, the real SDK
against the fake Messages server, scripted consents), counts and costs computed by hand, the price table,
an export with no text, a month with no data, and deleting history keeping the bill."""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import paths
from app.assistant import Assistant
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.outcome import Outcome
from app.policy import load_policy
from app.review import ReviewData, build_review, current_month, review_store
from app.review_export import AggregateInvalid, combine, export_aggregate, load_aggregate, write_aggregate
from app.review_report import NO_DATA, render_html, render_text
from app.secrets import set_api_key
from app.tiers import Tier
from inference.engine import LocalEngine
from inference.prices import CHARS_PER_TOKEN, PriceTable
from inference.providers import Provider
from inference.providers.anthropic import AnthropicProvider
from inference.tasks.base import ClassifySpec, SummarizeSpec, TaskRequest
from inference.tasks.serialize import request_to_json
from tests.conftest import ALWAYS_ESCALATE, write_policy
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401

KEY = "sk-ant-test-REVIEW-0123456789abcdef"
MODEL = "claude-haiku-4-5"  # the default escalation model
LABELS = ClassifySpec(labels=("billing", "delivery", "other"))
TEXTS = {
    "sent": "My invoice 4471 was charged twice this month, please refund it.",
    "declined": "The parcel with the blue lamp never arrived at Elm Street.",
    "rerun": "The team moved the launch to spring.",
    "local_only": "Where can I change the delivery address for order 8812?",
    "queued": "I was billed for a subscription I cancelled in March.",
}


def fast_provider(tier: Tier, key: str) -> Provider:
    return AnthropicProvider(key, timeout=1.0)


@pytest.fixture
def assistant(engine: LocalEngine, inhouse_home: Path) -> Iterator[Assistant]:
    write_policy(paths.current().user_policy, ALWAYS_ESCALATE)
    set_api_key(KEY)
    a = Assistant(host=EngineHost(engine=engine), policy=load_policy(), provider_factory=fast_provider)
    yield a
    a.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _fill(assistant: Assistant, server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> dict[str, Outcome]:
    """Five messages: sent with consent, declined, asked later (re-run on the cloud), local only, queued
    while offline and sent from the queue."""
    out: dict[str, Outcome] = {}
    server.reply_text("billing", input_tokens=120, output_tokens=3)
    out["sent"] = assistant.run(TaskRequest(TEXTS["sent"], LABELS), FixedAnswer(allow=True))
    out["declined"] = assistant.run(TaskRequest(TEXTS["declined"], LABELS), FixedAnswer(allow=False))
    asked = assistant.run(TaskRequest(TEXTS["rerun"], SummarizeSpec(max_words=6)), None)
    server.reply_text("Launch moved to spring.", input_tokens=300, output_tokens=40)
    out["rerun"] = assistant.escalate(asked, FixedAnswer(allow=True))
    out["asked"] = asked
    out["local_only"] = assistant.run(TaskRequest(TEXTS["local_only"], LABELS), None, local_only=True)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    out["queue"] = assistant.run(TaskRequest(TEXTS["queued"], LABELS), FixedAnswer(allow=True))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    server.reply_text("billing", input_tokens=90, output_tokens=2)
    (out["queued"],) = assistant.send_queued(FixedAnswer(allow=True))
    return out


def test_review_of_a_store_filled_through_the_assistant(
    assistant: Assistant, fake_anthropic: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One fill (the model is slow on a loaded CI machine), four checks."""
    out = _fill(assistant, fake_anthropic, monkeypatch)
    _counts_and_costs_match_a_hand_count(assistant, out)
    _cli_text_json_and_html(tmp_path, capsys)
    _deleting_history_keeps_the_bill_and_the_export_holds_no_text(assistant, tmp_path)


def _counts_and_costs_match_a_hand_count(assistant: Assistant, out: dict[str, Outcome]) -> None:
    assert [out[k].tier for k in ("sent", "declined", "asked", "rerun", "local_only", "queue", "queued")] == [
        "cloud", "device", "device", "cloud", "device", "device", "cloud"]
    review = review_store(assistant.store, assistant.effective)
    prices = PriceTable.load()
    spent = prices.cost(MODEL, 120, 3) + prices.cost(MODEL, 300, 40) + prices.cost(MODEL, 90, 2)

    def priced(key: str) -> float:  # by hand: characters of the request and of the device's answer, as JSON
        request = json.dumps(request_to_json(out[key].request), ensure_ascii=False)
        answer = json.dumps(out[key].local.output, ensure_ascii=False)
        factor = prices.price(MODEL).token_factor  # 1.0 for Haiku 4.5 (the reference tokenizer)
        tokens_in = math.ceil(len(request) / CHARS_PER_TOKEN * factor) + 12  # + the message framing
        return prices.cost(MODEL, tokens_in, max(1, math.ceil(len(answer) / CHARS_PER_TOKEN * factor)))

    # every message once: the one that went at once by its counted tokens, the others by their characters
    frontier_only = prices.cost(MODEL, 120, 3) + sum(priced(k) for k in ("declined", "rerun", "local_only", "queued"))
    t = review.total
    assert (t.volume, t.on_device, t.escalated, t.reruns, t.queued) == (5, 2, 3, 1, 1)
    assert dict(t.tiers) == {"device": 2, "cloud": 3}
    assert (t.consents_given, t.consents_refused) == (4, 1)  # the queued one was asked twice
    assert t.spent_usd == pytest.approx(spent, rel=1e-9)
    assert t.frontier_usd == pytest.approx(frontier_only, rel=1e-9)
    assert t.saving_usd == pytest.approx(frontier_only - spent, rel=1e-9)
    assert t.mean_confidence == pytest.approx(sum(out[k].local.confidence for k in
                                                  ("sent", "declined", "asked", "local_only", "queue")) / 5)
    tasks = {g.task: g.figures for g in review.tasks}
    assert (tasks["classify"].volume, tasks["summarize"].volume, tasks["summarize"].reruns) == (4, 1, 1)
    assert tasks["summarize"].spent_usd == pytest.approx(prices.cost(MODEL, 300, 40))
    assert assistant.store.month_spend() == pytest.approx(spent)  # the ledger agrees with the review
    assert sum(review.histograms["classify"]) == 4 and sum(review.histograms["summarize"]) == 1


def _deleting_history_keeps_the_bill_and_the_export_holds_no_text(assistant: Assistant, tmp_path: Path) -> None:
    before = review_store(assistant.store, assistant.effective).to_json()
    assert assistant.store.clear_history() > 0
    assert review_store(assistant.store, assistant.effective).to_json() == before
    target = tmp_path / "fleet.json"
    assert main(["review", "--export-aggregate", str(target)]) == 0
    exported = target.read_text("utf-8")
    for text in TEXTS.values():
        for piece in (text, text[:24], text[-24:]):
            assert piece not in exported
    for word in ("billing", "launch", "spring", "invoice", "parcel"):
        assert word not in exported.lower()
    again = load_aggregate(target)
    spent = review_store(assistant.store, assistant.effective).total.spent_usd
    assert combine([again])[1][-1].figures.spent_usd == pytest.approx(spent)


def _cli_text_json_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["month"] == current_month() and data["total"]["volume"] == 5 and not data["empty"]
    page = tmp_path / "review.html"
    assert main(["review", "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert "total" in text and "Thresholds:" in text and "Lowering" not in text  # 5 answers: too few to suggest
    assert "Answered by tier: " in text and " 3 (60%)" in text and " 2 (40%)" in text  # off the device, on it
    html = page.read_text("utf-8")
    assert html.count("<svg") >= 2  # the trend and at least one confidence histogram
    assert "src=" not in html and "href=\"http" not in html and "@import" not in html  # nothing from the network


def test_a_month_with_no_data_says_so(inhouse_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--month", "2024-02"]) == 0
    assert NO_DATA.format(month="2024-02") in capsys.readouterr().out
    empty = build_review(ReviewData(()), "2024-02", {"classify": 0.7})
    assert empty.empty and "nothing to review" in render_html(empty) and "nothing to review" in render_text(empty)
    assert main(["review", "--month", "2024-13"]) == 1
    assert "not a month" in capsys.readouterr().err


def test_combine_rejects_a_file_that_is_not_an_export(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"rows": []}')
    with pytest.raises(AggregateInvalid, match="not an Inhouse review aggregate"):
        load_aggregate(bad)
    broken = tmp_path / "broken.json"
    doc = export_aggregate(ReviewData(()), {"classify": 0.7}, allow_labels=False)
    doc["usage"] = [{"month": "2026-11"}]
    write_aggregate(broken, doc)
    with pytest.raises(AggregateInvalid, match="usage entry 1"):
        load_aggregate(broken)
