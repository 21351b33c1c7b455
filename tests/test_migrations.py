"""The schema: exact tables, columns and triggers from a blank database, upgrades, WAL, no re-apply."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils import Database

from app import migrations
from app.store import Store
from inference.errors import StorageError

ALL_MIGRATIONS = ["m001_history", "m002_audit", "m003_queue", "m004_ledger", "m005_audit_write_ahead", "m006_usage"]

COLUMNS = {
    "history": [
        "id", "created", "task", "input_text", "output", "confidence", "tier", "model", "method",
        "latency_ms", "decision", "reason", "audit_id", "details",
    ],
    "audit": [
        "id", "created", "task", "provider", "model", "payload_mode", "payload", "payload_sha256", "consent",
        "input_tokens", "output_tokens", "cost_usd", "outcome", "prev_hash", "row_hash",
        "format", "kind", "tier", "host", "intent_id", "attempts", "reserved_usd", "mac",
    ],
    "audit_head": ["id", "count", "last_id", "last_hash", "mac"],
    "queue": ["id", "created", "task", "request", "reason", "attempts", "last_error"],
    "ledger": ["id", "created", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "audit_id"],
    "usage": [
        "month", "task", "profile", "origin", "tier", "action", "consent", "priced_model", "answers",
        "confidence_sum", "frontier_input_tokens", "frontier_output_tokens", "frontier_usd",
        "spent_input_tokens", "spent_output_tokens", "spent_usd",
    ],
    "usage_confidence": ["month", "task", "profile", "bin", "answers", "kept", "corrections"],
    "usage_eval": ["id", "created", "task", "profile", "items", "threshold", "accuracy_at_threshold", "kept_share"],
    "_sqlite_migrations": ["id", "migration_set", "name", "applied_at"],
    "history_fts": ["input_text", "output"],
}  # fmt: skip

FTS_SHADOW = {"history_fts_data", "history_fts_idx", "history_fts_docsize", "history_fts_config"}
TRIGGERS = {
    ("history_ai", "history"),
    ("history_ad", "history"),
    ("history_au", "history"),
    ("audit_head_advance", "audit"),
    ("audit_no_update", "audit"),
    ("audit_no_delete", "audit"),
    ("audit_head_no_delete", "audit_head"),
}


def _schema(path: Path, kind: str) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = ?", [kind]).fetchall()
    conn.close()
    return {(name, table) for name, table in rows}


def _applied(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    cursor = conn.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY id")
    rows: list[tuple[str, str, str]] = cursor.fetchall()
    conn.close()
    return rows


def test_blank_database_gets_exact_tables_columns_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "new" / "inhouse.db"
    Store(path).close()

    tables = {name for name, _ in _schema(path, "table")}
    assert tables == set(COLUMNS) | FTS_SHADOW
    conn = sqlite3.connect(path)
    for table, columns in COLUMNS.items():
        assert [r[1] for r in conn.execute(f"PRAGMA table_info({table})")] == columns, table
    fts_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'history_fts'").fetchone()[0]
    head = conn.execute("SELECT count, last_id, last_hash FROM audit_head").fetchall()
    conn.close()
    assert "USING FTS5" in fts_sql and 'content="history"' in fts_sql
    assert _schema(path, "trigger") == TRIGGERS
    assert head == [(0, 0, migrations.GENESIS_HASH)]
    assert [(s, n) for s, n, _ in _applied(path)] == [("inhouse", name) for name in ALL_MIGRATIONS]


def test_reopening_does_not_reapply_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.db"
    with Store(path) as store:
        store.enqueue(task="summarize", request={"text": "x"}, reason="offline")
    first = _applied(path)
    with Store(path) as store:
        assert [q.request for q in store.list_queue()] == [{"text": "x"}]
    assert _applied(path) == first
    assert migrations.pending(Database(path)) == []


def test_wal_is_on(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_older_schema_is_upgraded_in_order(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.db"
    db = Database(path)
    migrations.migrations.apply(db, stop_before="m003_queue")
    db.close()
    assert [n for _, n, _ in _applied(path)] == ALL_MIGRATIONS[:2]
    assert "queue" not in {name for name, _ in _schema(path, "table")}

    Store(path).close()

    assert [n for _, n, _ in _applied(path)] == ALL_MIGRATIONS
    assert {"queue", "ledger"} <= {name for name, _ in _schema(path, "table")}


def test_two_first_opens_at_once_apply_each_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.db"
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            Store(path).close()
        except BaseException as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [n for _, n, _ in _applied(path)] == ALL_MIGRATIONS


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "inhouse.db"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StorageError, match="inhouse.db") as info:
        Store(path)
    assert "move it aside" in info.value.user_message()


def test_rows_written_before_the_write_ahead_format_still_verify(tmp_path: Path) -> None:
    """A format-1 row (written by m002's schema) keeps verifying after m005, and new rows chain to it."""
    from app.audit import row_hash, sha256_text

    path = tmp_path / "inhouse.db"
    db = Database(path)
    migrations.migrations.apply(db, stop_before="m005_audit_write_ahead")
    old = {"id": 1, "created": "2026-01-01T00:00:00.000000+00:00", "task": "classify", "provider": "anthropic",
           "model": "claude-haiku-4-5", "payload_mode": "full", "payload": "hi", "payload_sha256": sha256_text("hi"),
           "consent": "allow_once", "input_tokens": 3, "output_tokens": 1, "cost_usd": 0.5, "outcome": "sent",
           "prev_hash": migrations.GENESIS_HASH}  # fmt: skip
    old["row_hash"] = row_hash(old)
    db.conn.execute(f"INSERT INTO audit ({', '.join(old)}) VALUES ({', '.join('?' * len(old))})", list(old.values()))
    db.conn.commit()
    db.close()
    with Store(path) as store:
        assert store.verify_audit().ok
        store.append_audit(task="classify", provider="anthropic", model="m", payload="x", payload_mode="hash",
                           consent="allow_once", input_tokens=1, output_tokens=1, cost_usd=0.0, outcome="sent")
        rows = store.list_audit()
        assert [(r.format, r.kind) for r in rows] == [(1, "record"), (2, "record")]
        result = store.verify_audit()
        assert result.ok and "predate" in result.describe()
