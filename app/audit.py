"""The escalation audit log: rows chained to each other by hash, and signed with a key from the OS keyring.

Format 2 (write-ahead, since migration m005). For every hop that leaves the device:

1. an ``intent`` row ("about to send") is chained BEFORE the first byte leaves: the sha256 of the exact
   bytes of the request body (and the bytes themselves unless ``privacy.audit_payload = "hash"``), the
   destination tier and host, provider, model, consent, and ``reserved_usd`` (the most it can cost);
2. an ``outcome`` row closes it (``intent_id``): ``answered``, ``error: ...``, ``not sent: ...`` or
   ``unknown: ...`` (the bytes left but no answer came back), with every HTTP attempt and its status in
   ``attempts``, and the tokens and cost.

An intent with no outcome row is shown as "outcome unknown" (the app stopped while sending) and is never
sent again without a new consent. What a row says happened (``delivery``: not sent, outcome unknown, sent
and answered...) is read from its typed columns (``kind``, the ``attempts`` with ``sent`` and ``status``),
never from the words of ``outcome``; the audit page and ``inhouse audit list`` show it that way. Rows
written before m005 are format 1 (``kind = "record"``, one row per escalation) and verify with the
columns they had.

Each row stores ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the first row) and
``row_hash`` = sha256 of the row's canonical content (every hashed column of its format, the id and
``prev_hash`` included, as sorted compact JSON). So editing any column breaks that row; deleting or
inserting a row in the middle breaks the next row; re-numbering breaks the row. ``audit_head`` (count,
last id, last hash), advanced by a trigger with every insert, shows rows cut from the end; the cost ledger
names the rows it paid for. Triggers refuse UPDATE and DELETE on ``audit``.

The anchor: hashes alone can be recomputed by anyone who can write the file, so a forged row appended
with an ordinary INSERT and correct hashes would pass. Every row Inhouse writes also carries
``mac`` = HMAC-SHA256(K, row_hash), and the head carries HMAC-SHA256(K, count|last_id|last_hash), where K
is a random 256-bit key kept in the OS keyring (service ``inhouse``, user ``audit-key``; see
:mod:`app.audit_key`). Verify demands a valid MAC on every row from the first signed row on, and on the
head: a row added, or a head rolled back, without K is named.

Said plainly, what this does NOT stop:
- anyone who can read K (any program running as you while the keyring is unlocked; on Linux a Secret
  Service without a password) can forge rows and heads that verify; the MAC raises the bar from "can
  write the file" to "can read your keyring";
- replacing the whole file with an older copy of itself (a rollback) verifies, since the file carries
  its own head; export the log (``inhouse audit export``) to keep a copy elsewhere;
- with no OS keyring (headless Linux without a Secret Service), rows are written without a MAC and
  verify says "not signed": the chain and the head still catch edits and cuts, not a careful forger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from app.migrations import GENESIS_HASH

PayloadMode = Literal["full", "hash"]
PAYLOAD_MODES: tuple[str, ...] = ("full", "hash")
# allow_once / allow_session: the user said yes; auto: sent by the administrator's policy without asking;
# admin_org: the administrator's policy needs no consent for the organisation's server.
CONSENTS: tuple[str, ...] = ("allow_once", "allow_session", "auto", "admin_org", "deny")
KINDS: tuple[str, ...] = ("record", "intent", "outcome")

# The hashed columns of a format-1 row, in table order (``row_hash`` excluded: it is the hash).
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
# Format 2 adds the write-ahead columns (``mac`` is not hashed: it signs the hash).
HASHED_COLUMNS_V2: tuple[str, ...] = (
    *HASHED_COLUMNS, "format", "kind", "tier", "host", "intent_id", "attempts", "reserved_usd",
)
ENTRY_COLUMNS: tuple[str, ...] = (*HASHED_COLUMNS_V2, "row_hash", "mac")


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
    format: int
    kind: str
    tier: str | None
    host: str | None
    intent_id: int | None
    attempts: str | None
    reserved_usd: float
    row_hash: str
    mac: str | None

    @property
    def attempt_list(self) -> list[dict[str, Any]]:
        try:
            value = json.loads(self.attempts) if self.attempts else []
        except ValueError:
            return []
        return value if isinstance(value, list) else []


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None
    reason: str
    signed: str = ""  # how far the MACs were checked, in words ("" for an empty or old log)

    def describe(self) -> str:
        """One line for people: ``"3 rows, chain intact"`` or where and why it is broken."""
        if self.ok:
            rows = f"{self.checked} row{'' if self.checked == 1 else 's'}, chain intact"
            return f"{rows}; {self.signed}" if self.signed else rows
        return f"audit log broken at row {self.first_broken_id}: {self.reason}"


@dataclass(frozen=True)
class AuditHead:
    count: int
    last_id: int
    last_hash: str
    mac: str | None = None


class Delivery(StrEnum):
    """What happened to the bytes of a hop, as a row's typed columns say."""

    ABOUT_TO_SEND = "about_to_send"  # an intent row closed by a later outcome row
    OPEN = "open"  # an intent row with no outcome row: the app stopped while sending
    NOT_SENT = "not_sent"  # nothing left this device
    UNKNOWN = "unknown"  # the bytes left, no answer came back
    ANSWERED = "answered"  # the server answered (2xx)
    ERROR_STATUS = "error_status"  # the server answered with an error status
    DECLINED = "declined"  # a one-row record of a denial
    RECORDED = "recorded"  # a one-row record (format 1, or ``append_audit``): its ``outcome`` says it


DELIVERY_WORDS = {
    Delivery.ABOUT_TO_SEND: "About to send",
    Delivery.OPEN: "About to send — outcome unknown (no answer was recorded)",
    Delivery.NOT_SENT: "Not sent",
    Delivery.UNKNOWN: "Sent — outcome unknown (no answer came back)",
    Delivery.ANSWERED: "Sent and answered",
    Delivery.ERROR_STATUS: "Sent — the server answered with an error",
    Delivery.DECLINED: "Not sent: declined",
}
# how a hop was allowed (the ``consent`` column), in words that say nothing about whether it was sent
CONSENT_WORDS = {"allow_once": "Allowed once", "allow_session": "Allowed for the session",
                 "auto": "Automatic (admin policy)", "deny": "Declined",
                 "admin_org": "Not needed: organisation's server (admin policy)"}


def delivery(entry: AuditEntry, *, open_intent: bool = False) -> Delivery:
    """What happened, from the row's kind and attempts (``open_intent``: an intent no outcome row closes)."""
    if entry.kind == "intent":
        return Delivery.OPEN if open_intent else Delivery.ABOUT_TO_SEND
    if entry.kind != "outcome":
        return Delivery.DECLINED if entry.consent == "deny" else Delivery.RECORDED
    attempts = entry.attempt_list
    if not any(a.get("sent") or a.get("status") is not None for a in attempts):  # a status means it arrived
        return Delivery.NOT_SENT
    status = attempts[-1].get("status")
    if not isinstance(status, int):
        return Delivery.UNKNOWN
    return Delivery.ANSWERED if 200 <= status < 300 else Delivery.ERROR_STATUS


def delivery_text(entry: AuditEntry, *, open_intent: bool = False) -> str:
    """``delivery`` in words, with the HTTP status each attempt got ("replies: 503, 200") and the request it
    closes."""
    happened = delivery(entry, open_intent=open_intent)
    if happened is Delivery.RECORDED:
        return entry.outcome
    words = DELIVERY_WORDS[happened]
    if entry.kind != "outcome":
        return words
    statuses = ", ".join(str(a.get("status") or ("no answer" if a.get("sent") else "not sent"))
                         for a in entry.attempt_list)
    if not statuses:
        return f"{words} (#{entry.intent_id})"
    label = "reply" if len(entry.attempt_list) == 1 else "replies"  # "attempts: 200" read as 200 attempts
    return f"{words} (#{entry.intent_id}; {label}: {statuses})"


def consent_words(consent: str) -> str:
    return CONSENT_WORDS.get(consent, consent)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the hashed columns of ``content`` (per its format)."""
    columns = HASHED_COLUMNS_V2 if int(content.get("format") or 1) >= 2 else HASHED_COLUMNS
    canonical = {name: content[name] for name in columns}
    canonical["cost_usd"] = float(canonical["cost_usd"])
    if "reserved_usd" in canonical:
        canonical["reserved_usd"] = float(canonical["reserved_usd"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_text(text)


def row_mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def head_mac(key: bytes, count: int, last_id: int, last_hash: str) -> str:
    return hmac.new(key, f"head|{count}|{last_id}|{last_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def entry_from_row(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(**{name: row[name] for name in ENTRY_COLUMNS})


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
    rows: Sequence[AuditEntry], head: AuditHead | None, ledger_audit_ids: Sequence[int],
    key: bytes | None = None,
) -> VerifyResult:
    """Check ``rows`` (in id order) link up, match the head, cover every id the ledger names, and
    (with ``key``) carry valid MACs from the first signed row on."""
    broken = _first_broken_row(rows) or _check_head(rows, head)
    if broken is None:
        missing = sorted(set(ledger_audit_ids) - {r.id for r in rows})
        if missing:
            broken = missing[0], "the row is missing, but the cost ledger records a payment for it"
    if broken is None and key is not None:
        broken = _check_macs(rows, head, key)
    if broken is not None:
        return VerifyResult(False, len(rows), *broken)
    return VerifyResult(True, len(rows), None, "", _signed_words(rows, key))


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
        misfit = _payload_misfit(row)
        if misfit:
            return row.id, misfit
        expected_prev, previous_id = row.row_hash, row.id
    return None


def _payload_misfit(row: AuditEntry) -> str:
    if row.kind == "outcome":
        return "" if row.payload is None else "an outcome row must not hold a payload"
    if (row.payload is None) != (row.payload_mode == "hash"):
        return f"payload presence does not fit payload_mode {row.payload_mode!r}"
    if row.payload is not None and sha256_text(row.payload) != row.payload_sha256:
        return "the payload does not match its recorded sha256"
    return ""


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


def _check_macs(rows: Sequence[AuditEntry], head: AuditHead | None, key: bytes) -> tuple[int, str] | None:
    """From the first row signed with ``key`` on, every row and the head must carry a valid MAC."""
    signed = False
    for row in rows:
        valid = row.mac is not None and hmac.compare_digest(row.mac, row_mac(key, row.row_hash))
        if row.mac is not None and not valid:
            return row.id, "the row's signature does not match this device's audit key: it was not written by Inhouse"
        if signed and not valid:
            return row.id, ("the row is not signed with this device's audit key: it was added outside Inhouse "
                            "(or by Inhouse in a session that could not read the keyring)")
        signed = signed or valid
    if head is not None and (signed or head.mac is not None):
        expected = head_mac(key, head.count, head.last_id, head.last_hash)
        if head.mac is None or not hmac.compare_digest(head.mac, expected):
            last = rows[-1].id if rows else 0
            return last, "the audit head's signature does not match: the head was changed outside Inhouse"
    return None


def _signed_words(rows: Sequence[AuditEntry], key: bytes | None) -> str:
    if not rows:
        return ""
    if key is None:
        if any(r.mac for r in rows):
            return "signatures not checked (the audit key in the OS keyring cannot be read)"
        return "not signed (no OS keyring: a careful forger could add rows)"
    unsigned = [r.id for r in rows if r.mac is None]
    if not unsigned:
        return "signed with this device's key"
    return f"signed from row {unsigned[-1] + 1}; rows up to {unsigned[-1]} predate the key" \
        if unsigned[-1] < rows[-1].id else "not signed (no OS keyring when the rows were written)"
