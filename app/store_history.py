"""History of runs, local or escalated, with full-text search, retention and delete-all.

Privacy: ``secure_delete`` is on, and every delete also rebuilds the full-text index and truncates the
WAL, so deleted text does not linger in the database files.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.store_db import StoreBase, rowid, to_json, utc_iso

TIERS = ("local", "frontier")


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created: str
    task: str
    input_text: str
    output: Any
    confidence: float
    tier: str
    model: str
    method: str
    latency_ms: float
    decision: str
    reason: str
    audit_id: int | None
    details: dict[str, Any]


class HistoryStore(StoreBase):
    def add_history(
        self,
        *,
        task: str,
        input_text: str,
        output: object,
        confidence: float,
        tier: str,
        model: str,
        method: str,
        latency_ms: float,
        decision: str = "",
        reason: str = "",
        audit_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Record one run (the caller checks the ``store_history`` policy first); returns its id.

        ``output`` and ``details`` are stored as JSON (numpy numbers and dataclasses are converted).
        """
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}, not {tier!r}")
        if not math.isfinite(confidence):
            raise ValueError(f"confidence must be a finite number, not {confidence!r}")
        values = (
            utc_iso(), task, input_text, to_json(output), float(confidence), tier, model, method,
            float(latency_ms), decision, reason, audit_id, to_json(details or {}),
        )  # fmt: skip
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO history (created, task, input_text, output, confidence, tier, model, method,"
                " latency_ms, decision, reason, audit_id, details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
        return rowid(cursor)

    def list_history(self, limit: int = 100) -> list[HistoryEntry]:
        """The newest ``limit`` runs, newest first."""
        rows = self._select("SELECT * FROM history ORDER BY created DESC, id DESC LIMIT ?", [limit])
        return [_history_entry(r) for r in rows]

    def search_history(self, query: str, limit: int = 100) -> list[HistoryEntry]:
        """Full-text search over input and output: every word must match, ``word*`` matches a prefix.

        FTS syntax in ``query`` (quotes, parentheses, AND/OR/NOT, ``:``, ``^``, ``-``) is taken
        literally, so no user query can fail. Best matches first.
        """
        match = fts_query(query)
        if match is None:
            return []
        rows = self._select(
            "SELECT history.* FROM history_fts JOIN history ON history.id = history_fts.rowid"
            " WHERE history_fts MATCH ? ORDER BY history_fts.rank, history.id DESC LIMIT ?",
            [match, limit],
        )
        return [_history_entry(r) for r in rows]

    def get_history(self, id: int) -> HistoryEntry | None:
        rows = self._select("SELECT * FROM history WHERE id = ?", [id])
        return _history_entry(rows[0]) if rows else None

    def delete_history(self, id: int) -> bool:
        """Delete one run; False if there was none with that id."""
        return self._delete_history("DELETE FROM history WHERE id = ?", [id]) > 0

    def clear_history(self) -> int:
        """Delete every run; returns how many there were."""
        return self._delete_history("DELETE FROM history", [])

    def prune_history(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete runs older than ``retention_days`` days (0: all up to ``now``); returns how many."""
        if retention_days < 0:
            raise ValueError(f"retention_days must be 0 or more, not {retention_days}")
        cutoff = utc_iso((now or datetime.now(UTC)) - timedelta(days=retention_days))
        return self._delete_history("DELETE FROM history WHERE created < ?", [cutoff])

    def _delete_history(self, sql: str, params: list[object]) -> int:
        with self._write() as conn:
            deleted: int = conn.execute(sql, params).rowcount
        if deleted:
            self._forget_deleted()
        return deleted

    def _forget_deleted(self) -> None:
        """Drop deleted text from the FTS index's old segments and from the WAL file."""
        with self._write() as conn:
            conn.execute("INSERT INTO history_fts (history_fts) VALUES ('rebuild')")
        self._checkpoint()


def fts_query(query: str) -> str | None:
    """``query`` as an FTS5 expression matching its words literally; None when it has no words."""
    terms = []
    for word in query.split():
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if not any(ch.isalnum() for ch in word):
            continue
        terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms) or None


def _history_entry(row: sqlite3.Row) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        created=row["created"],
        task=row["task"],
        input_text=row["input_text"],
        output=json.loads(row["output"]),
        confidence=row["confidence"],
        tier=row["tier"],
        model=row["model"],
        method=row["method"],
        latency_ms=row["latency_ms"],
        decision=row["decision"],
        reason=row["reason"],
        audit_id=row["audit_id"],
        details=json.loads(row["details"]),
    )
