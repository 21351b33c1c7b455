"""The reviewer's adversarial CLI findings, each written as the attack: real files in tmp_path, the real CLI.

A typo in the user policy must never delete history; a database with corrupt bytes is an unusable store, not
a traceback; a clear-text cloud destination is refused; a plain file as the data dir is a clear error; a model
file the user chose is never to be deleted on our advice; `policy set` keeps what it does not understand.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import paths
from app.cli import main
from app.store import Store
from app.store_db import utc_iso


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
