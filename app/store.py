"""What Inhouse remembers: history, the escalation audit log, the pending queue and the cost ledger.

One SQLite file (``paths.current().database``) in WAL mode; schema in :mod:`app.migrations`, the
connection and threading in :mod:`app.store_db`, history in :mod:`app.store_history`, how the audit
chain detects edits and deletions in :mod:`app.audit`.

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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from app import migrations, paths
from app.audit import (
    AuditEntry,
    AuditHead,
    VerifyResult,
    check_payload_args,
    entry_from_row,
    row_hash,
    sha256_text,
    verify_chain,
)
from app.store_db import money, rowid, to_json, utc_iso
from app.store_history import HistoryEntry, HistoryStore

__all__ = ["AuditEntry", "HistoryEntry", "QueueItem", "Store", "VerifyResult"]


@dataclass(frozen=True)
class QueueItem:
    id: int
    created: str
    task: str
    request: dict[str, Any]
    reason: str
    attempts: int
    last_error: str | None


class Store(HistoryStore):
    """The database; safe to share between threads. Close it (or use ``with``) when done."""

    @classmethod
    def open_default(cls) -> Store:
        """The user's database in the data folder (``INHOUSE_HOME`` honoured)."""
        return cls(paths.current().database)

    # -- audit --------------------------------------------------------------------------------------

    def append_audit(
        self,
        *,
        task: str,
        provider: str,
        model: str,
        payload: str,
        payload_mode: str,
        consent: str,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float,
        outcome: str,
    ) -> int:
        """Append one escalation, or a denial (outcome ``"denied"``), to the chained log; returns its id.

        ``payload`` is the text exactly as sent (or as it would have been sent): stored in full when
        ``payload_mode`` is ``"full"``, only as its sha256 when ``"hash"``. ``outcome`` is ``"sent"``,
        ``"denied"`` or ``"error: ..."``.
        """
        check_payload_args(payload_mode, consent, outcome)
        content: dict[str, Any] = {
            "created": utc_iso(),
            "task": task,
            "provider": provider,
            "model": model,
            "payload_mode": payload_mode,
            "payload": payload if payload_mode == "full" else None,
            "payload_sha256": sha256_text(payload),
            "consent": consent,
            "input_tokens": int(input_tokens),
            "output_tokens": int(output_tokens),
            "cost_usd": money(cost_usd),
            "outcome": outcome,
        }
        with self._write() as conn:
            content["id"], content["prev_hash"] = _next_link(conn)
            content["row_hash"] = row_hash(content)
            columns = ", ".join(content)
            marks = ", ".join("?" * len(content))
            conn.execute(f"INSERT INTO audit ({columns}) VALUES ({marks})", list(content.values()))
        audit_id: int = content["id"]
        return audit_id

    def list_audit(self, limit: int | None = None) -> list[AuditEntry]:
        """The log in id order; with ``limit``, only the most recent ``limit`` rows (still in order)."""
        if limit is None:
            rows = self._select("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._select(
                "SELECT * FROM (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id", [limit]
            )
        return [entry_from_row(dict(r)) for r in rows]

    def verify_audit(self) -> VerifyResult:
        """Check the chain, the head and the ledger's references (see :mod:`app.audit`)."""
        with self._snapshot():
            entries = self.list_audit()
            heads = self._select("SELECT count, last_id, last_hash FROM audit_head WHERE id = 1")
            ledger = self._select("SELECT audit_id FROM ledger WHERE audit_id IS NOT NULL")
        head = AuditHead(*heads[0]) if heads else None
        return verify_chain(entries, head, [r["audit_id"] for r in ledger])

    def export_audit(self) -> list[dict[str, Any]]:
        """Every row with its hashes, in id order, as plain dicts (for JSON or CSV)."""
        return [asdict(e) for e in self.list_audit()]

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

    # -- ledger -------------------------------------------------------------------------------------

    def record_cost(
        self,
        *,
        provider: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float,
        audit_id: int | None,
    ) -> int:
        """Record what an escalation cost; ``audit_id`` names its audit row. Returns the ledger id."""
        values = [utc_iso(), provider, model, int(input_tokens), int(output_tokens), money(cost_usd)]
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO ledger (created, provider, model, input_tokens, output_tokens, cost_usd,"
                " audit_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*values, audit_id],
            )
        return rowid(cursor)

    def month_spend(self, now: datetime | None = None) -> float:
        """USD spent in the calendar month (UTC) that contains ``now``."""
        start, end = _month_bounds(now or datetime.now(UTC))
        rows = self._select(
            "SELECT COALESCE(SUM(cost_usd), 0.0) FROM ledger WHERE created >= ? AND created < ?",
            [start, end],
        )
        return float(rows[0][0])


def _next_link(conn: sqlite3.Connection) -> tuple[int, str]:
    """Id and prev_hash for the next audit row: after the head, so ids are never reused."""
    head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    last = conn.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    if head is not None:
        return max(head[0], last[0] if last else 0) + 1, str(head[1])
    return (last[0] + 1, str(last[1])) if last else (1, migrations.GENESIS_HASH)


def _month_bounds(now: datetime) -> tuple[str, str]:
    start = datetime.fromisoformat(utc_iso(now)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        return utc_iso(start), utc_iso(start.replace(year=start.year + 1, month=1))
    return utc_iso(start), utc_iso(start.replace(month=start.month + 1))


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
