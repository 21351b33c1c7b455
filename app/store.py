"""What Inhouse remembers: history, the escalation audit log, the pending queue and the cost ledger.

One SQLite file (``paths.current().database``) in WAL mode; schema in :mod:`app.migrations`, the
connection and threading in :mod:`app.store_db`, history in :mod:`app.store_history`, the audit log and
ledger in :mod:`app.store_audit`, how the audit chain detects edits, deletions and forged rows in
:mod:`app.audit`.

    with Store.open_default() as store:
        audit_id = store.append_audit(task="classify", provider="anthropic", model="claude-haiku-5-5",
                                      payload=sent_text, payload_mode="hash", consent="allow_once",
                                      input_tokens=120, output_tokens=4, cost_usd=0.00002, outcome="sent")
        store.record_cost(provider="anthropic", model="claude-haiku-5-5", input_tokens=120,
                          output_tokens=4, cost_usd=0.00002, audit_id=audit_id)
        store.verify_audit().ok
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from app import paths
from app.audit import AuditEntry, VerifyResult
from app.store_audit import AuditStore
from app.store_db import Unavailable, rowid, to_json, utc_iso
from app.store_history import HistoryEntry, HistoryStore
from app.store_usage import UsageStore
from inference.errors import StorageError

__all__ = ["AuditEntry", "HistoryEntry", "QueueItem", "Store", "UnavailableStore", "VerifyResult"]


@dataclass(frozen=True)
class QueueItem:
    id: int
    created: str
    task: str
    request: dict[str, Any]
    reason: str
    attempts: int
    last_error: str | None


class Store(HistoryStore, AuditStore, UsageStore):
    """The database; safe to share between threads. Close it (or use ``with``) when done."""

    @classmethod
    def open_default(cls) -> Store:
        """The user's database in the data folder (``INHOUSE_HOME`` honoured)."""
        return cls(paths.current().database)

    # -- queue --------------------------------------------------------------------------------------

    def enqueue(self, *, task: str, request: dict[str, Any], reason: str) -> int:
        """Keep an escalation to send later (offline); ``request`` is JSON: task, text, spec."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO queue (created, task, request, reason) VALUES (?, ?, ?, ?)",
                [utc_iso(), task, to_json(request), reason],
            )
        return rowid(cursor)

    def list_queue(self) -> list[QueueItem]:
        """Pending escalations, oldest first."""
        rows = self._select("SELECT * FROM queue ORDER BY id")
        return [_queue_item(r) for r in rows]

    def dequeue(self, id: int) -> None:
        """Remove an item (sent, or dropped by the user); a missing id is ignored."""
        with self._write() as conn:
            conn.execute("DELETE FROM queue WHERE id = ?", [id])

    def record_queue_failure(self, id: int, error: str) -> None:
        """Count a failed send of an item and keep the error for the user."""
        with self._write() as conn:
            conn.execute(
                "UPDATE queue SET attempts = attempts + 1, last_error = ? WHERE id = ?", [error, id]
            )

    def clear_queue(self) -> int:
        """Drop every pending escalation; returns how many there were."""
        with self._write() as conn:
            deleted: int = conn.execute("DELETE FROM queue").rowcount
        return deleted


class UnavailableStore(Unavailable, Store):
    """The store when the database cannot be opened (damaged, empty, unreadable): see ``Unavailable``."""


def open_or_unavailable() -> Store:
    """The user's database, or an ``UnavailableStore`` saying why it cannot be used."""
    try:
        return Store.open_default()
    except StorageError as err:
        return UnavailableStore(paths.current().database, err)


def _queue_item(row: sqlite3.Row) -> QueueItem:
    return QueueItem(
        id=row["id"],
        created=row["created"],
        task=row["task"],
        request=json.loads(row["request"]),
        reason=row["reason"],
        attempts=row["attempts"],
        last_error=row["last_error"],
    )
