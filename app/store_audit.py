"""The audit log and cost ledger tables of :class:`app.store.Store` (what the rows mean: :mod:`app.audit`).

    intent = store.append_intent(task=..., tier="cloud", provider="anthropic", model=..., host="api.anthropic.com",
                                 consent="allow_once", body=exact_bytes, payload_mode="full", reserved_usd=0.01)
    ... the bytes leave ...
    store.append_outcome(intent, outcome="answered", attempts=[{"n": 1, "status": 200}],
                         input_tokens=120, output_tokens=4, cost_usd=0.00002)

The monthly spend is derived from the audit rows (answered and failed hops, plus what an intent with no
outcome may have cost), so deleting ``ledger`` rows changes nothing. The ledger stays as a cross-check.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from app import audit_key, migrations
from app.audit import (
    AuditEntry,
    AuditHead,
    VerifyResult,
    check_payload_args,
    entry_from_row,
    head_mac,
    row_hash,
    row_mac,
    sha256_text,
    verify_chain,
)
from app.store_db import StoreBase, money, rowid, utc_iso


class AuditStore(StoreBase):
    def audit_key(self, *, create: bool) -> bytes | None:
        """The signing key from the OS keyring (None without one; see :mod:`app.audit_key`)."""
        return audit_key.load(create=create)

    # -- writing ------------------------------------------------------------------------------------

    def append_intent(
        self, *, task: str, tier: str, provider: str, model: str, host: str, consent: str, body: bytes,
        payload_mode: str, reserved_usd: float = 0.0,
    ) -> int:
        """Chain an "about to send" row for the exact request ``body``; call it before any byte leaves."""
        check_payload_args(payload_mode, consent, "about to send")
        return self._append({
            "task": task, "provider": provider, "model": model, "payload_mode": payload_mode,
            "payload": body.decode("utf-8") if payload_mode == "full" else None,
            "payload_sha256": hashlib.sha256(body).hexdigest(), "consent": consent,
            "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "outcome": "about to send",
            "kind": "intent", "tier": tier, "host": host, "intent_id": None, "attempts": None,
            "reserved_usd": money(reserved_usd),
        })  # fmt: skip

    def append_outcome(
        self, intent_id: int, *, outcome: str, attempts: Sequence[dict[str, Any]], input_tokens: int = 0,
        output_tokens: int = 0, cost_usd: float = 0.0, model: str | None = None,
    ) -> int:
        """Close intent ``intent_id``: what happened (``answered``, ``error: ...``, ``not sent: ...``,
        ``unknown: ...``), every attempt, and what it cost."""
        rows = self._select("SELECT * FROM audit WHERE id = ? AND kind = 'intent'", [intent_id])
        if not rows:
            raise ValueError(f"no intent row {intent_id} to close")
        intent = entry_from_row(dict(rows[0]))
        return self._append({
            "task": intent.task, "provider": intent.provider, "model": model or intent.model,
            "payload_mode": intent.payload_mode, "payload": None, "payload_sha256": intent.payload_sha256,
            "consent": intent.consent, "input_tokens": int(input_tokens), "output_tokens": int(output_tokens),
            "cost_usd": money(cost_usd), "outcome": outcome or "unknown", "kind": "outcome", "tier": intent.tier,
            "host": intent.host, "intent_id": intent_id, "attempts": json.dumps(list(attempts)),
            "reserved_usd": 0.0,
        })  # fmt: skip

    def append_audit(
        self, *, task: str, provider: str, model: str, payload: str, payload_mode: str, consent: str,
        input_tokens: int, output_tokens: int, cost_usd: float, outcome: str,
    ) -> int:
        """One row for a whole escalation or a denial (``kind = "record"``); sends use intent + outcome.

        ``payload`` is the text exactly as sent (or as it would have been): stored in full when
        ``payload_mode`` is ``"full"``, only as its sha256 when ``"hash"``.
        """
        check_payload_args(payload_mode, consent, outcome)
        return self._append({
            "task": task, "provider": provider, "model": model, "payload_mode": payload_mode,
            "payload": payload if payload_mode == "full" else None, "payload_sha256": sha256_text(payload),
            "consent": consent, "input_tokens": int(input_tokens), "output_tokens": int(output_tokens),
            "cost_usd": money(cost_usd), "outcome": outcome, "kind": "record", "tier": None, "host": None,
            "intent_id": None, "attempts": None, "reserved_usd": 0.0,
        })  # fmt: skip

    def _append(self, content: dict[str, Any]) -> int:
        key = self.audit_key(create=True)
        content.update(created=utc_iso(), format=2)
        with self._write() as conn:
            content["id"], content["prev_hash"] = _next_link(conn)
            content["row_hash"] = row_hash(content)
            content["mac"] = row_mac(key, content["row_hash"]) if key else None
            columns = ", ".join(content)
            conn.execute(f"INSERT INTO audit ({columns}) VALUES ({', '.join('?' * len(content))})",
                         list(content.values()))
            if key:
                count, last_id, last_hash = conn.execute(
                    "SELECT count, last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
                conn.execute("UPDATE audit_head SET mac = ? WHERE id = 1", [head_mac(key, count, last_id, last_hash)])
        audit_id: int = content["id"]
        return audit_id

    # -- reading ------------------------------------------------------------------------------------

    def list_audit(self, limit: int | None = None) -> list[AuditEntry]:
        """The log in id order; with ``limit``, only the most recent ``limit`` rows (still in order)."""
        if limit is None:
            rows = self._select("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._select("SELECT * FROM (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id", [limit])
        return [entry_from_row(dict(r)) for r in rows]

    def open_intents(self) -> list[AuditEntry]:
        """Intents with no outcome row: the bytes may have left, what happened is unknown."""
        rows = self._select(
            "SELECT * FROM audit a WHERE kind = 'intent' AND NOT EXISTS "
            "(SELECT 1 FROM audit o WHERE o.kind = 'outcome' AND o.intent_id = a.id) ORDER BY id")
        return [entry_from_row(dict(r)) for r in rows]

    def unknown_intent(self, payload_sha256: str) -> int | None:
        """The id of an earlier intent for exactly these bytes whose outcome is unknown, if any."""
        rows = self._select(
            "SELECT id FROM audit a WHERE kind = 'intent' AND payload_sha256 = ? AND NOT EXISTS (SELECT 1 FROM "
            "audit o WHERE o.kind = 'outcome' AND o.intent_id = a.id AND o.outcome NOT LIKE 'unknown%') "
            "ORDER BY id DESC LIMIT 1", [payload_sha256])
        return int(rows[0]["id"]) if rows else None

    def verify_audit(self) -> VerifyResult:
        """Check the chain, the head, the ledger's references and the signatures (see :mod:`app.audit`)."""
        with self._snapshot():
            entries = self.list_audit()
            heads = self._select("SELECT count, last_id, last_hash, mac FROM audit_head WHERE id = 1")
            ledger = self._select("SELECT audit_id FROM ledger WHERE audit_id IS NOT NULL")
        head = AuditHead(*heads[0]) if heads else None
        key = self.audit_key(create=False) if entries else None
        return verify_chain(entries, head, [r["audit_id"] for r in ledger], key)

    def export_audit(self) -> list[dict[str, Any]]:
        """Every row with its hashes, in id order, as plain dicts (for JSON or CSV)."""
        return [asdict(e) for e in self.list_audit()]

    # -- money --------------------------------------------------------------------------------------

    def record_cost(
        self, *, provider: str, model: str, input_tokens: int, output_tokens: int, cost_usd: float,
        audit_id: int | None,
    ) -> int:
        """Record what an escalation cost in the ledger (a cross-check; the budget reads the audit rows)."""
        values = [utc_iso(), provider, model, int(input_tokens), int(output_tokens), money(cost_usd)]
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO ledger (created, provider, model, input_tokens, output_tokens, cost_usd,"
                " audit_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*values, audit_id],
            )
        return rowid(cursor)

    def month_spend(self, now: datetime | None = None) -> float:
        """USD spent in the calendar month (UTC) containing ``now``, from the audit rows: the cost of every
        record and outcome, plus the reserve of every intent whose outcome is unknown (no outcome row, or
        an ``unknown: ...`` one)."""
        start, end = _month_bounds(now or datetime.now(UTC))
        rows = self._select(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'intent' THEN reserved_usd ELSE cost_usd END), 0.0) FROM audit a "
            "WHERE created >= ? AND created < ? AND NOT (kind = 'intent' AND EXISTS (SELECT 1 FROM audit o "
            "WHERE o.kind = 'outcome' AND o.intent_id = a.id AND o.outcome NOT LIKE 'unknown%'))",
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
