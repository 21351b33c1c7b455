"""A damaged or emptied database: reported, never silently replaced, and never in the way of a local answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import paths
from app.assistant import Assistant
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.outcome import Action
from app.policy import load_policy
from app.router import DenyReason
from app.store import Store
from app.store_db import EmptyDatabase
from app.tiers import TierKind
from inference.engine import LocalEngine
from inference.errors import StorageError
from inference.tasks.base import ClassifySpec, TaskRequest

GARBAGE = b"this is not SQLite at all " * 200


def _database(content: bytes) -> Path:
    path = paths.current().database
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_a_zero_byte_database_is_reported_not_replaced() -> None:
    path = _database(b"")
    with pytest.raises(EmptyDatabase, match="0 bytes") as info:
        Store(path)
    assert "did not replace it" in info.value.user_message()
    assert path.stat().st_size == 0


@pytest.mark.parametrize("content", [b"", GARBAGE], ids=["empty", "corrupt"])
def test_a_damaged_database_does_not_block_local_answers(
    engine: LocalEngine, always_escalate: Path, content: bytes
) -> None:
    path = _database(content)
    gate = FixedAnswer(allow=True)
    assistant = Assistant(host=EngineHost(engine=engine), policy=load_policy())
    try:
        outcome = assistant.run(TaskRequest("I love the new update!", ClassifySpec(labels=("positive", "negative"))),
                                gate)
        assert outcome.tier is TierKind.DEVICE and outcome.answer == outcome.local.output
        assert "unavailable" in outcome.notice and "not saved" in outcome.notice
        assert outcome.action is Action.DENY and "audit log is unavailable" in outcome.reason
        assert outcome.decision is not None and outcome.decision.deny is DenyReason.AUDIT_UNAVAILABLE
        assert gate.asked == []  # nothing may leave without an audit log: not even asked
        with pytest.raises(StorageError, match="unavailable"):
            assistant.store.list_audit()
    finally:
        assistant.close()
    assert path.read_bytes() == content  # left as it was, for whoever repairs it


@pytest.mark.parametrize("content", [b"", GARBAGE], ids=["empty", "corrupt"])
def test_doctor_exits_non_zero_for_a_damaged_database(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    _database(content)
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["database"]["ok"] is False
    assert ("0 bytes" if not content else "not a database") in report["database"]["status"]


def test_doctor_names_the_destination_and_ignores_proxies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://gateway.example.org")
    monkeypatch.setenv("HTTPS_PROXY", "http://192.0.2.1:3128")
    assert main(["doctor", "--json"]) == 0
    where = json.loads(capsys.readouterr().out)["destination"]
    assert (where["host"], where["source"]) == ("gateway.example.org", "ANTHROPIC_BASE_URL")
    assert where["proxies_ignored"] == ["HTTPS_PROXY"]
