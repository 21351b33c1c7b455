"""The escalation audit log: one row per escalation, each chained to the one before it by hash.

Each row stores ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the first row) and
``row_hash`` = sha256 of the row's canonical content: every column but ``row_hash`` itself, the id and
``prev_hash`` included, as sorted compact JSON. So:

- editing any column of a row (``row_hash`` too) breaks that row: its content no longer hashes to it;
- deleting or inserting a row in the middle breaks the next row: its ``prev_hash`` no longer matches;
- re-numbering breaks the row, since the id is hashed.

A chain cannot show that rows were cut from its END (delete the last row, or truncate the table: what
is left is still a valid chain). Two witnesses outside the ``audit`` table cover that:

1. ``audit_head`` (one row: count, last id, last hash) is advanced by a trigger in the same transaction
   as every insert. Verify demands that the chain ends exactly where the head says. New rows chain to
   the head's hash, and ids are never reused, so a cut is not hidden by later appends either.
2. The cost ledger: every ``ledger`` row names the audit row it paid for; verify checks those rows
   still exist. This catches a cut even when the head was rewritten to match.

We chose the head over relying on the ledger alone because denials and failed sends have no ledger
row. Limits, said plainly: all of this lives in one file, so someone who can write the file and
re-computes every hash, the head and the ledger can forge a consistent log. It detects accidental
damage, edits with ordinary tools and naive tampering; defeating a deliberate forger needs an anchor
outside the file (e.g. a keyed hash with its key in the OS keyring, or exported heads kept elsewhere).
Triggers also refuse UPDATE and DELETE on ``audit`` so the log is append-only in normal use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.migrations import GENESIS_HASH

PayloadMode = Literal["full", "hash"]
PAYLOAD_MODES: tuple[str, ...] = ("full", "hash")
CONSENTS: tuple[str, ...] = ("allow_once", "allow_session", "auto", "deny")

# The hashed columns, in table order (``row_hash`` excluded: it is the hash).
HASHED_COLUMNS: tuple[str, ...] = (
    "id",
    "created",
    "task",
    "provider",
    "model",
    "payload_mode",
    "payload",
    "payload_sha256",
    "consent",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "outcome",
    "prev_hash",
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    created: str
    task: str
    provider: str
    model: str
    payload_mode: str
    payload: str | None
    payload_sha256: str
    consent: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    outcome: str
    prev_hash: str
    row_hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None
    reason: str

    def describe(self) -> str:
        """One line for people: ``"3 rows, chain intact"`` or where and why it is broken."""
        if self.ok:
            return f"{self.checked} row{'' if self.checked == 1 else 's'}, chain intact"
        return f"audit log broken at row {self.first_broken_id}: {self.reason}"


@dataclass(frozen=True)
class AuditHead:
    count: int
    last_id: int
    last_hash: str


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the hashed columns of ``content``."""
    canonical = {name: content[name] for name in HASHED_COLUMNS}
    canonical["cost_usd"] = float(canonical["cost_usd"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_text(text)


def entry_from_row(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(**{name: row[name] for name in (*HASHED_COLUMNS, "row_hash")})


def check_payload_args(payload_mode: str, consent: str, outcome: str) -> None:
    """Reject arguments that would make a misleading audit row (programming errors)."""
    if payload_mode not in PAYLOAD_MODES:
        raise ValueError(f"payload_mode must be one of {PAYLOAD_MODES}, not {payload_mode!r}")
    if consent not in CONSENTS:
        raise ValueError(f"consent must be one of {CONSENTS}, not {consent!r}")
    if not outcome:
        raise ValueError("outcome must say what happened: 'sent', 'denied' or 'error: ...'")
    if consent == "deny" and outcome == "sent":
        raise ValueError("a denied escalation cannot have the outcome 'sent'")


def verify_chain(
    rows: Sequence[AuditEntry], head: AuditHead | None, ledger_audit_ids: Sequence[int]
) -> VerifyResult:
    """Check ``rows`` (in id order) link up, match the head, and cover every id the ledger names."""
    broken = _first_broken_row(rows)
    if broken is not None:
        return VerifyResult(False, len(rows), *broken)
    ending = _check_head(rows, head)
    if ending is not None:
        return VerifyResult(False, len(rows), *ending)
    present = {r.id for r in rows}
    missing = sorted(set(ledger_audit_ids) - present)
    if missing:
        return VerifyResult(
            False, len(rows), missing[0], "the row is missing, but the cost ledger records a payment for it"
        )
    return VerifyResult(True, len(rows), None, "")


def _first_broken_row(rows: Sequence[AuditEntry]) -> tuple[int, str] | None:
    expected_prev = GENESIS_HASH
    previous_id: int | None = None
    for row in rows:
        if row.prev_hash != expected_prev:
            before = f"row {previous_id}" if previous_id is not None else "the start of the log"
            return row.id, f"prev_hash does not match {before}: a row before it was deleted or changed"
        try:
            content_hash = row_hash(row.__dict__)
        except (TypeError, ValueError):
            return row.id, "the row holds values of the wrong type: it was edited"
        if content_hash != row.row_hash:
            return row.id, "the row's content does not match its hash: it was edited"
        if (row.payload is None) != (row.payload_mode == "hash"):
            return row.id, f"payload presence does not fit payload_mode {row.payload_mode!r}"
        if row.payload is not None and sha256_text(row.payload) != row.payload_sha256:
            return row.id, "the payload does not match its recorded sha256"
        expected_prev, previous_id = row.row_hash, row.id
    return None


def _check_head(rows: Sequence[AuditEntry], head: AuditHead | None) -> tuple[int, str] | None:
    if head is None:
        first = rows[0].id if rows else 1
        return first, "the audit head (row count and last hash) is missing"
    last_id = rows[-1].id if rows else 0
    last_hash = rows[-1].row_hash if rows else GENESIS_HASH
    if len(rows) < head.count:
        cut = head.count - len(rows)
        return last_id + 1, (
            f"{cut} row{'' if cut == 1 else 's'} missing from the end: the head records {head.count} "
            f"rows ending at row {head.last_id}, the log ends at row {last_id}"
        )
    if len(rows) > head.count:
        extra = rows[head.count]
        return extra.id, f"the head counts only {head.count} rows: this one was added outside Inhouse"
    if head.last_id != last_id or head.last_hash != last_hash:
        return last_id, "the last row does not match the head's last id and hash"
    return None
