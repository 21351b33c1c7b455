"""The reviewer's adversarial CLI findings, each written as the attack: real files in tmp_path, the real CLI.

A typo in the user policy must never delete history; a database with corrupt bytes is an unusable store, not
a traceback; a clear-text cloud destination is refused; a plain file as the data dir is a clear error; a model
file the user chose is never to be deleted on our advice; `policy set` keeps what it does not understand.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import egress, paths
from app.assistant import Assistant
from app.cli import main
from app.consent import FixedAnswer
from app.engine_host import EngineHost
from app.policy import load_policy
from app.secrets import set_api_key
from app.store import Store
from app.store_db import utc_iso
from app.tiers import TierKind
from inference.engine import LocalEngine
from inference.tasks.base import ClassifySpec, TaskRequest
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401


def _history_row(days_old: int) -> int:
    database = paths.current().database
    store = Store(database)
    try:
        row = store.add_history(task="classify", input_text="a row the user keeps", output="a", confidence=0.9,
                                tier="local", model="m", method="logprobs", latency_ms=1.0)
    finally:
        store.close()
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE history SET created = ? WHERE id = ?",
                     [utc_iso(datetime.now(UTC) - timedelta(days=days_old)), row])
    conn.close()
    return row


def _history_ids(capsys: pytest.CaptureFixture[str]) -> list[int]:
    """Runs a real local classification (the next run, which prunes), then lists the rows kept before it."""
    capsys.readouterr()
    assert main(["classify", "--labels", "a,b", "--local-only", "--json", "hi"]) == 0
    capsys.readouterr()
    assert main(["history", "list", "--json", "--limit", "100"]) == 0
    entries = json.loads(capsys.readouterr().out)
    return [entry["id"] for entry in entries if entry["input_text"] == "a row the user keeps"]


def _user_policy(text: str) -> Path:
    path = paths.current().user_policy
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- 1. a typo in the user policy file never deletes history --------------------------------------


def test_a_typo_in_the_user_policy_does_not_prune_history(capsys: pytest.CaptureFixture[str]) -> None:
    row = _history_row(days_old=10)
    _user_policy('[privcy]\nretention_days = 365\n\n[escalation]\nmode = "never"\n')
    assert _history_ids(capsys) == [row]  # the next run (and the one after) keeps the 10-day-old row
    assert _history_ids(capsys) == [row]
    assert main(["policy", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    settings = shown["settings"]
    assert settings["escalation.mode"]["value"] == "never" and settings["escalation.mode"]["source"] == "user"
    assert settings["privacy.retention_days"]["source"] == "default"  # the unknown section is ignored, not "safest"
    assert any("[privcy]" in p and "ignored" in p for p in shown["problems"])
    assert "not pruned" in shown["history_pruning_paused"]
    assert main(["policy", "show"]) == 0
    assert "History pruning is paused" in capsys.readouterr().out
    main(["doctor"])
    assert "history pruning      paused" in capsys.readouterr().out


def test_an_invalid_retention_in_the_user_file_falls_back_without_deleting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    row = _history_row(days_old=10)
    _user_policy('[privacy]\nretention_days = "a year"\n')
    assert _history_ids(capsys) == [row]
    _user_policy("[privacy]\nretention_days = 5\n")  # fixed: the user's own valid value prunes again
    assert _history_ids(capsys) == []


def test_an_invalid_admin_file_keeps_egress_safest_but_deletes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    row = _history_row(days_old=10)
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text('[escalation\nmode = "ask"\n', encoding="utf-8")  # not TOML at all
    assert _history_ids(capsys) == [row]
    assert main(["policy", "show", "--json"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["escalation.mode"] == {**settings["escalation.mode"], "value": "never", "locked": True}
    assert settings["privacy.retention_days"]["value"] == 1  # the safest value, shown, but not acted on


def test_a_valid_admin_retention_still_prunes_despite_a_broken_user_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _history_row(days_old=10)
    admin = paths.admin_policy_path()
    admin.parent.mkdir(parents=True, exist_ok=True)
    admin.write_text("[privacy]\nretention_days = 3\n", encoding="utf-8")
    _user_policy("[privcy]\nretention_days = 365\n")
    assert _history_ids(capsys) == []  # the admin's retention is authoritative


# --- 2. a database with scattered corrupt bytes is an unusable store, not a traceback -------------


def _scatter_corruption(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    for offset in range(2000, len(data), 997):
        data[offset] = 0xAB
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_database_with_corrupt_bytes_is_reported_and_local_answers_go_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _history_row(days_old=0)
    database = paths.current().database
    damaged = _scatter_corruption(database)
    capsys.readouterr()
    assert main(["classify", "--labels", "a,b", "--local-only", "--json", "hi"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["output"] in ("a", "b")
    assert main(["history", "list"]) != 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "database" in (out + err).lower()
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["database"]["ok"] is False and str(database) in report["database"]["status"]
    assert database.read_bytes() == damaged  # left as it was, for whoever repairs it


# --- 3. ANTHROPIC_BASE_URL in clear text to another machine is refused --------------------------


def test_a_clear_text_cloud_url_is_refused_before_anyone_is_asked(
    engine: LocalEngine, always_escalate: Path, guard: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://10.9.9.9")
    set_api_key("sk-ant-api03-not-for-clear-text-0123456789")
    gate = FixedAnswer(allow=True)
    assistant = Assistant(host=EngineHost(engine=engine), policy=load_policy())
    try:
        outcome = assistant.run(TaskRequest("I love it", ClassifySpec(labels=("positive", "negative"))), gate)
        assert gate.asked == []  # not asked
        assert egress.allowed_attempts() == egress.blocked_attempts() == []  # not even a connection tried
        assert outcome.tier is TierKind.DEVICE and outcome.answer == outcome.local.output
        assert "http://10.9.9.9" in outcome.notice and "ANTHROPIC_BASE_URL" in outcome.notice
        assert assistant.store.list_audit() == []
    finally:
        assistant.close()
    assert main(["doctor", "--json"]) == 1
    where = json.loads(capsys.readouterr().out)["destination"]
    assert where["ok"] is False and where["origin"] == "http://10.9.9.9" and where["source"] == "ANTHROPIC_BASE_URL"
    assert "clear text" in where["status"]


@pytest.mark.parametrize("url", ["http://127.0.0.2:9", "http://localhost:9", "http://[::1]:9",
                                 "https://gateway.example.org:8443/v1"])
def test_loopback_http_and_any_https_are_allowed(url: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    main(["doctor", "--json"])
    where = json.loads(capsys.readouterr().out)["destination"]
    assert where["ok"] is True and where["origin"] == "/".join(url.split("/")[:3])
    assert f"{where['origin']} (from ANTHROPIC_BASE_URL)" in where["status"]


# --- 4. a plain file as the data dir: the local answer, without stored calibration -------------


def test_a_plain_file_as_the_data_dir_still_answers_locally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder\n")
    monkeypatch.setenv("INHOUSE_HOME", str(afile))
    assert main(["classify", "--labels", "a,b", "--json", "hi"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["output"] in ("a", "b") and "Traceback" not in err
    assert "unavailable" in err and "Not a directory" in err  # said, not hidden
    assert afile.read_text() == "not a folder\n"


# --- 5. a file the user chose that is not a model: never "delete it" -----------------------------


def test_using_a_file_that_is_not_a_model_never_advises_deleting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    mine = tmp_path / "x.bin"
    mine.write_text("the user's own file\n")
    assert main(["models", "use", str(mine)]) == 1
    err = capsys.readouterr().err
    assert "not a GGUF model" in err and "models use" in err and "elete" not in err
    assert mine.read_text() == "the user's own file\n"


def test_doctor_fails_when_the_chosen_model_is_not_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    mine = tmp_path / "passwd"
    mine.write_text("root:x:0:0:root:/root:/bin/bash\n")
    settings = paths.current().config_dir / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f'model = "{mine}"\n')
    assert main(["doctor", "--json"]) == 1
    model = json.loads(capsys.readouterr().out)["model"]
    assert model["ok"] is False and "not a GGUF model" in model["status"] and "elete" not in model["status"]
    assert main(["doctor"]) == 1


# --- 6. `policy set` keeps the comments and the sections it does not know ------------------------


def test_policy_set_and_unset_keep_comments_and_unknown_sections(capsys: pytest.CaptureFixture[str]) -> None:
    path = _user_policy('# my notes: keep history a year\n[privacy]\nretention_days = 365  # a year\n\n'
                        '[myteam]\nowner = "ops"\n')
    assert main(["policy", "set", "escalation.mode", "never"]) == 0
    assert main(["policy", "set", "privacy.retention_days", "200"]) == 0
    assert main(["policy", "unset", "escalation.mode"]) == 0
    capsys.readouterr()
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"  # a blank line may remain where [escalation] was
    kept = '[privacy]\nretention_days = 200  # a year\n\n[myteam]\nowner = "ops"\n'
    assert text == "# my notes: keep history a year\n" + kept
    assert main(["policy", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["privacy.retention_days"]["value"] == 200


# --- 7. a classification's labels leave redacted, with the text's placeholders ------------------


def test_labels_with_personal_data_leave_redacted_and_come_back_restored(
    engine: LocalEngine, always_escalate: Path, guard: None, fake_anthropic: FakeAnthropic,
) -> None:
    """Labels are user data: "complaint from Jane Smith" leaves as "complaint from [PERSON_1]" (the same
    placeholder as the name in the text), the audit row holds exactly the bytes sent, and the answer maps
    back to the user's own label on the device."""
    set_api_key("sk-ant-api03-labels-0123456789abcdef")
    fake_anthropic.reply_text("complaint from [PERSON_1]")
    labels = ("complaint from Jane Smith", "refund for bob.stone@example.org", "exchange_rate", "other")
    spec = ClassifySpec(labels=labels, descriptions=(("other", "anything else, e.g. from Jane Smith"),),
                        examples=(("Bob Stone asked, write to bob.stone@example.org", labels[1]),))
    gate = FixedAnswer(allow=True)
    assistant = Assistant(host=EngineHost(engine=engine), policy=load_policy())
    try:
        outcome = assistant.run(TaskRequest("Jane Smith wrote again: the parcel is late.", spec), gate)
        audit = assistant.store.list_audit()
    finally:
        assistant.close()
    sent = fake_anthropic.message_requests[0].raw
    for raw in ("Jane Smith", "bob.stone@example.org", "Bob Stone"):
        assert raw not in sent.decode()  # not in the text, the labels, the descriptions or the examples
    assert "complaint from [PERSON_1]" in sent.decode() and "refund for [EMAIL_1]" in sent.decode()
    assert "exchange_rate" in sent.decode() and "ORG_" not in sent.decode()  # no personal data: as it is
    assert gate.asked[0].payload == json.loads(sent)  # what the user saw is what left
    intent = audit[0]
    assert intent.kind == "intent" and intent.payload == sent.decode()  # the audited payload is the bytes sent
    assert intent.payload_sha256 == hashlib.sha256(sent).hexdigest()
    assert outcome.tier is TierKind.CLOUD and outcome.answer == "complaint from Jane Smith"  # restored here
