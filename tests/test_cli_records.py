"""``inhouse audit | queue | history`` through ``app.cli.main``: exit codes and what people see."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import stat
import sys
import types
from pathlib import Path

import pytest

from app.cli import main
from app.store import Store


def _seed_audit(n: int) -> Path:
    with Store.open_default() as store:
        for i in range(n):
            store.append_audit(
                task="summarize", provider="anthropic", model="claude-haiku-5-5", payload=f"text {i}",
                payload_mode="full", consent="allow_once", input_tokens=100 + i, output_tokens=20,
                cost_usd=0.0001, outcome="sent",
            )  # fmt: skip
        return store.path


def _seed_history(*texts: str) -> list[int]:
    with Store.open_default() as store:
        return [
            store.add_history(
                task="classify", input_text=text, output={"label": "billing"}, confidence=0.91, tier="local",
                model="smollm2", method="label-scoring", latency_ms=30,
            )  # fmt: skip
            for text in texts
        ]


def test_audit_verify_empty_and_intact(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "0 rows, chain intact"
    _seed_audit(3)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip().startswith("3 rows, chain intact")


def test_audit_verify_names_the_broken_row(capsys: pytest.CaptureFixture[str]) -> None:
    path = _seed_audit(3)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET payload = 'edited' WHERE id = 2")
    conn.commit()
    conn.close()

    assert main(["audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "audit log broken at row 2" in captured.err and "edited" in captured.err


def test_audit_verify_detects_a_cut_end(capsys: pytest.CaptureFixture[str]) -> None:
    path = _seed_audit(2)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE id = 2")
    conn.commit()
    conn.close()
    assert main(["audit", "verify"]) == 1
    assert "broken at row 2" in capsys.readouterr().err


def test_audit_list_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "list"]) == 0
    assert "nothing has left this device" in capsys.readouterr().out
    _seed_audit(3)
    assert main(["audit", "list", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "anthropic/claude-haiku-5-5" in lines[0] and "Allowed once" in lines[0]
    assert main(["audit", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [1, 2, 3] and rows[0]["payload"] == "text 0"


def _seed_sends() -> None:
    """The write-ahead rows of three sends, each allowed once: one that could not reach the host, one whose
    bytes left with no answer, one answered after a 503; and an intent the app never closed."""
    with Store.open_default() as store:
        for attempts, outcome in (
            ([{"n": 1, "sent": False, "status": None}], "not sent: could not reach api.anthropic.com"),
            ([{"n": 1, "sent": True, "status": None}], "unknown: the connection ended"),
            ([{"n": 1, "sent": True, "status": 503}, {"n": 2, "sent": True, "status": 200}], "answered"),
        ):
            intent = store.append_intent(task="classify", tier="cloud", provider="anthropic", model="claude-haiku",
                                         host="api.anthropic.com", consent="allow_once", body=b"{}",
                                         payload_mode="full")
            store.append_outcome(intent, outcome=outcome, attempts=attempts)
        store.append_intent(task="classify", tier="cloud", provider="anthropic", model="claude-haiku",
                            host="api.anthropic.com", consent="allow_session", body=b"{ }", payload_mode="full")


def test_audit_list_says_what_happened_from_the_rows_typed_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """A row that "could not reach" the host was never "sent with your consent": the list says "Not sent"."""
    _seed_sends()
    assert main(["audit", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 7 and not any("sent with your consent" in line for line in lines)
    outcomes = [line for line in lines if "recorded:" in line]
    assert "Not sent (#1; reply: not sent); recorded: not sent: could not reach" in outcomes[0]
    assert "Sent — outcome unknown (no answer came back) (#3; reply: no answer)" in outcomes[1]
    assert "Sent and answered (#5; replies: 503, 200)" in outcomes[2]
    assert "About to send — outcome unknown" in lines[-1] and "Allowed for the session" in lines[-1]
    assert main(["audit", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["delivery"] for r in rows] == ["about_to_send", "not_sent", "about_to_send", "unknown",
                                             "about_to_send", "answered", "open"]


def test_audit_export_csv_json_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "export"]) == 0
    assert capsys.readouterr().out.startswith("id,created,task,provider,model,payload_mode,payload,")
    _seed_audit(2)
    assert main(["audit", "export"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in rows] == ["1", "2"] and rows[1]["prev_hash"] == rows[0]["row_hash"]

    assert main(["audit", "export", "--json"]) == 0
    assert [r["input_tokens"] for r in json.loads(capsys.readouterr().out)] == [100, 101]

    target = tmp_path / "audit.json"
    assert main(["audit", "export", "--json", "--output", str(target)]) == 0
    assert "Wrote 2 audit rows" in capsys.readouterr().out
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2
    if sys.platform != "win32":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_audit_export_to_a_bad_path_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "export", "--output", str(tmp_path / "missing" / "a.csv")]) == 1
    assert "the folder" in capsys.readouterr().err and not (tmp_path / "missing").exists()  # refused first
    (tmp_path / "locked").mkdir(mode=0o500)  # a folder that exists but cannot be written: said after the export
    code = main(["audit", "export", "--output", str(tmp_path / "locked" / "a.csv")])
    assert code == 1 or os.geteuid() == 0  # root writes anywhere
    if code == 1:
        assert "Could not write" in capsys.readouterr().err


def test_queue_list_and_remove(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "list"]) == 0
    assert "The queue is empty." in capsys.readouterr().out
    with Store.open_default() as store:
        qid = store.enqueue(task="summarize", request={"task": "summarize", "text": "Quarterly report"},
                            reason="offline")  # fmt: skip
        store.record_queue_failure(qid, "connection refused")
    assert main(["queue", "list"]) == 0
    out = capsys.readouterr().out
    assert "Quarterly report" in out and "1 failed, last: connection refused" in out
    assert main(["queue", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["request"]["text"] == "Quarterly report"

    assert main(["queue", "remove", str(qid)]) == 0
    assert "was not sent" in capsys.readouterr().out
    assert main(["queue", "remove", str(qid)]) == 1
    assert f"No queued escalation with id {qid}" in capsys.readouterr().err


def test_history_list_search_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "list"]) == 0
    assert "No history yet." in capsys.readouterr().out
    invoice, _ = _seed_history("Invoice 7 is overdue", "Lunch on Friday?")

    assert main(["history", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "Lunch on Friday?" in lines[0] and '{"label": "billing"}' in lines[0]
    assert main(["history", "search", "invoice", "--json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == [invoice]
    assert main(["history", "search", '"overdue) (* invoice: 7^']) == 0
    assert "Invoice 7" in capsys.readouterr().out
    assert main(["history", "search", "nothing-like-this"]) == 0
    assert "Nothing in the history matches" in capsys.readouterr().out

    assert main(["history", "delete", str(invoice)]) == 0
    assert main(["history", "delete", str(invoice)]) == 1
    assert "No history entry" in capsys.readouterr().err


def test_history_clear_needs_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    _seed_history("one", "two")
    assert main(["history", "clear"]) == 1
    assert "--yes" in capsys.readouterr().err
    with Store.open_default() as store:
        assert len(store.list_history()) == 2

    assert main(["history", "clear", "--yes"]) == 0
    assert capsys.readouterr().out.strip() == "Deleted 2 history entries."
    with Store.open_default() as store:
        assert store.list_history() == []


def test_a_group_without_action_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit"])
    assert info.value.code == 2


def test_queue_send_hook_registers_a_module_when_it_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``app/cli/queue_send.py`` (written with the assistant) plugs ``queue send`` in via the hook."""
    module = types.ModuleType("app.cli.queue_send")

    def register(group: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        group.add_parser("send").set_defaults(func=lambda args: print("sending") or 0)

    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "app.cli.queue_send", module)
    assert main(["queue", "send"]) == 0
    assert capsys.readouterr().out == "sending\n"
