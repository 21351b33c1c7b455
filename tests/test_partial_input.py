"""A device answer that read only the start of a long text says so (CLI, --json, the app's notice line),
so a confident answer about the first pages is not taken for an answer about the whole text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.assistant import Assistant
from app.cli.output import print_outcome
from app.consent import ConsentStatus, FixedAnswer
from app.engine_host import EngineHost
from app.outcome import Outcome, RemoteAnswer
from app.policy import load_policy
from app.tiers import TierKind
from inference.engine import LocalEngine
from inference.tasks.base import ClassifySpec, TaskRequest

LABELS = ClassifySpec(labels=("billing", "delivery", "other"))
PARAGRAPH = ("My parcel was due on Monday and the tracking page has said in transit for five days now. "
             "Nobody answers the phone at the depot and the seller says it is not their problem. ")


@pytest.fixture
def assistant(engine: LocalEngine, inhouse_home: Path) -> Iterator[Assistant]:
    a = Assistant(host=EngineHost(engine=engine), policy=load_policy())
    yield a
    a.close()


def _run(assistant: Assistant, text: str) -> Outcome:
    return assistant.run(TaskRequest(text, LABELS), FixedAnswer(allow=False), local_only=True)


def test_a_text_longer_than_the_context_is_said_to_be_read_in_part(
    assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = _run(assistant, PARAGRAPH * 70)  # ~2,500 tokens against a 2,048-token context
    kept = outcome.local.signals["input_kept"]
    assert 0.0 < kept < 0.95
    assert outcome.input_note.startswith(f"Only the first {kept:.0%} of the text was read")
    print_outcome(outcome, as_json=False)
    assert f"note: Only the first {kept:.0%}" in capsys.readouterr().out
    print_outcome(outcome, as_json=True)
    assert json.loads(capsys.readouterr().out)["input_note"] == outcome.input_note


def test_a_short_text_or_a_remote_answer_has_no_such_note(
    assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    short = _run(assistant, PARAGRAPH)
    assert short.local.signals["input_kept"] == 1.0 and short.input_note == "" and short.notes == ()
    print_outcome(short, as_json=True)
    assert "input_note" not in json.loads(capsys.readouterr().out)
    # the bigger model gets the whole text: its answer is not about a part
    long = replace(short, local=replace(short.local, signals={**short.local.signals, "input_kept": 0.4}))
    assert long.input_note.startswith("Only the first 40%")
    hop = RemoteAnswer(TierKind.CLOUD, "Cloud", "anthropic", "api.anthropic.com", "claude", "delivery", 0.9,
                       "anthropic-messages", 10.0, 4000, 3, 0.01, ConsentStatus.ALLOW_ONCE)
    assert replace(long, hops=(hop,), answer="delivery").input_note == ""
