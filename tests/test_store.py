"""The store on real SQLite files: history + FTS, the hash-chained audit log, queue, ledger, threads."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from app.audit import row_hash
from app.store import Store

SECRET = "Zyxwquorble-4417"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "inhouse.db")
    yield s
    s.close()


def _add(store: Store, text: str, output: object = "ok", **kw: object) -> int:
    args: dict[str, object] = dict(
        task="classify", input_text=text, output=output, confidence=0.8, tier="local",
        model="smollm2-135m", method="label-scoring", latency_ms=12.5,
    )  # fmt: skip
    args.update(kw)
    return store.add_history(**args)  # type: ignore[arg-type]


def _sql(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Edit the file behind the store's back, as someone with a DB browser would."""
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
        conn.commit()
    finally:
        conn.close()


# -- history ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    confidence: float


def test_history_round_trip_with_numpy_and_dataclass_details(store: Store) -> None:
    details = {"probabilities": {"spam": np.float32(0.75)}, "fields": {"total": _Field(0.5)}}
    hid = _add(
        store, "Buy now", output={"label": "spam"}, decision="accept", reason="confident", details=details
    )
    entry = store.get_history(hid)
    assert entry is not None
    assert (entry.input_text, entry.output, entry.tier, entry.decision, entry.reason) == (
        "Buy now", {"label": "spam"}, "local", "accept", "confident",
    )  # fmt: skip
    assert entry.details == {"probabilities": {"spam": 0.75}, "fields": {"total": {"confidence": 0.5}}}
    assert entry.audit_id is None and entry.latency_ms == 12.5
    assert datetime.fromisoformat(entry.created).tzinfo is not None
    assert store.get_history(hid + 1) is None


def test_history_rejects_bad_tier_and_nan_confidence(store: Store) -> None:
    with pytest.raises(ValueError, match="tier"):
        _add(store, "x", tier="cloud")
    with pytest.raises(ValueError, match="confidence"):
        _add(store, "x", confidence=float("nan"))
    assert store.list_history() == []


def test_list_history_is_newest_first_with_limit(store: Store) -> None:
    ids = [_add(store, f"text {i}") for i in range(5)]
    assert [e.id for e in store.list_history(limit=3)] == ids[::-1][:3]


def test_search_finds_input_output_and_prefixes(store: Store) -> None:
    invoice = _add(store, "Please pay invoice 42 by Friday", output={"total": "€120", "payee": "Müller GmbH"})
    meeting = _add(store, "Meeting moved to Tuesday", output="rescheduled meeting")
    assert [e.id for e in store.search_history("invoice")] == [invoice]
    assert [e.id for e in store.search_history("Müller")] == [invoice]
    assert [e.id for e in store.search_history("rescheduled")] == [meeting]
    assert [e.id for e in store.search_history("invo*")] == [invoice]
    assert [e.id for e in store.search_history("pay friday")] == [invoice]
    assert store.search_history("pay tuesday") == []


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ('"invoice"', True),
        ("(invoice)", True),
        ('invoice"', True),
        ("invoice AND", False),
        ("NOT invoice", False),
        ("OR", False),
        ("*", False),
        ('"', False),
        ("()", False),
        ("payee:invoice", False),
        ("^invoice -x", False),
        ("NEAR(invoice pay)", False),
        ("it's", False),
        ("", False),
    ],
)
def test_search_takes_fts_syntax_literally(store: Store, query: str, finds: bool) -> None:
    hid = _add(store, "Please pay invoice 42")
    assert [e.id for e in store.search_history(query)] == ([hid] if finds else [])


def test_delete_and_clear_history(store: Store) -> None:
    first = _add(store, "alpha invoice")
    _add(store, "beta invoice")
    assert store.delete_history(first) is True
    assert store.delete_history(first) is False
    assert [e.input_text for e in store.search_history("invoice")] == ["beta invoice"]
    assert store.clear_history() == 1
    assert store.list_history() == [] and store.search_history("invoice") == []
    assert store.clear_history() == 0


def test_cleared_text_does_not_linger_in_the_files(store: Store) -> None:
    for i in range(20):
        _add(store, f"{SECRET} note {i}", output=f"{SECRET} answer")
    store.clear_history()
    files = [p for p in store.path.parent.iterdir() if p.name.startswith(store.path.name)]
    assert files, "expected the database files"
    for f in files:
        assert SECRET.lower().encode() not in f.read_bytes().lower(), f.name  # FTS stores tokens lowercased


def test_prune_deletes_only_runs_older_than_retention(store: Store) -> None:
    now = datetime.now(UTC)
    old, middle, new = (_add(store, f"{SECRET} {name}") for name in ("old", "middle", "new"))
    for hid, age in ((old, 40), (middle, 10)):
        created = (now - timedelta(days=age)).isoformat(timespec="microseconds")
        _sql(store.path, "UPDATE history SET created = ? WHERE id = ?", params=(created, hid))

    assert store.prune_history(30) == 1
    assert {e.id for e in store.list_history()} == {middle, new}
    assert store.prune_history(30) == 0
    assert store.prune_history(5, now=now) == 1
    assert [e.id for e in store.search_history(SECRET)] == [new]
    assert store.prune_history(0, now=now + timedelta(seconds=1)) == 1
    with pytest.raises(ValueError):
        store.prune_history(-1)


# -- audit -----------------------------------------------------------------------------------------


def _audit(store: Store, payload: str = "Hello [PERSON_1]", **kw: object) -> int:
    args: dict[str, object] = dict(
        task="classify", provider="anthropic", model="claude-haiku-5-5", payload=payload,
        payload_mode="full", consent="allow_once", input_tokens=120, output_tokens=4, cost_usd=0.00002,
        outcome="sent",
    )  # fmt: skip
    args.update(kw)
    return store.append_audit(**args)  # type: ignore[arg-type]


@pytest.fixture
def logged(store: Store) -> Store:
    """Four audit rows: full, hash-only, a denial, an error; two of them paid in the ledger."""
    first = _audit(store)
    second = _audit(store, payload="secret text", payload_mode="hash", consent="allow_session")
    _audit(store, consent="deny", outcome="denied", input_tokens=0, output_tokens=0, cost_usd=0)
    _audit(store, consent="auto", outcome="error: 529 overloaded", output_tokens=0)
    for audit_id in (first, second):
        store.record_cost(provider="anthropic", model="claude-haiku-5-5", input_tokens=120, output_tokens=4,
                          cost_usd=0.00002, audit_id=audit_id)  # fmt: skip
    return store


def _tamper(path: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    """An attacker first drops the append-only guards, then edits."""
    _sql(path, "DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete", statement, params=params)


def test_intact_log_verifies(logged: Store) -> None:
    result = logged.verify_audit()
    assert (result.ok, result.checked, result.first_broken_id) == (True, 4, None)
    assert result.describe().startswith("4 rows, chain intact")
    assert [e.id for e in logged.list_audit()] == [1, 2, 3, 4]
    assert [e.id for e in logged.list_audit(limit=2)] == [3, 4]


def test_hash_mode_stores_no_payload(logged: Store) -> None:
    entry = logged.list_audit()[1]
    assert (entry.payload_mode, entry.payload) == ("hash", None)
    assert entry.payload_sha256 == hashlib.sha256(b"secret text").hexdigest()
    files = logged.path.read_bytes() + logged.path.with_name("inhouse.db-wal").read_bytes()
    assert b"secret text" not in files
    full = logged.list_audit()[0]
    assert full.payload == "Hello [PERSON_1]"


def test_rows_link_to_each_other(logged: Store) -> None:
    rows = logged.list_audit()
    assert rows[0].prev_hash == "0" * 64
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert len({r.row_hash for r in rows}) == 4


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        (1, "payload", "Hello Jane Roe"),
        (1, "outcome", "denied"),
        (2, "cost_usd", 0.0),
        (2, "input_tokens", 12),
        (2, "prev_hash", "0" * 64),
        (2, "payload_sha256", hashlib.sha256(b"other").hexdigest()),
        (3, "consent", "allow_once"),
        (3, "row_hash", "f" * 64),
        (4, "created", "2020-01-01T00:00:00.000000+00:00"),
        (4, "model", "claude-opus-5"),
        (4, "task", "extract"),
        (4, "provider", "other"),
        (2, "payload_mode", "full"),
        (4, "id", 40),
    ],
)
def test_editing_any_column_breaks_the_chain_at_that_row(
    logged: Store, row: int, column: str, value: object
) -> None:
    _tamper(logged.path, f"UPDATE audit SET {column} = ? WHERE id = ?", (value, row))
    result = logged.verify_audit()
    assert not result.ok
    assert result.first_broken_id == (40 if column == "id" else row)
    assert result.reason


@pytest.mark.parametrize(("deleted", "broken"), [(1, 2), (2, 3), (3, 4)])
def test_deleting_a_row_breaks_the_next_row(logged: Store, deleted: int, broken: int) -> None:
    _tamper(logged.path, f"DELETE FROM audit WHERE id = {deleted}")
    result = logged.verify_audit()
    assert (result.ok, result.first_broken_id) == (False, broken)
    assert "prev_hash" in result.reason


def test_deleting_the_last_row_is_detected(logged: Store) -> None:
    _tamper(logged.path, "DELETE FROM audit WHERE id = 4")
    result = logged.verify_audit()
    assert (result.ok, result.checked, result.first_broken_id) == (False, 3, 4)
    assert "missing from the end" in result.reason
    assert "audit log broken at row 4" in result.describe()


def test_truncating_the_log_is_detected(logged: Store) -> None:
    _tamper(logged.path, "DELETE FROM audit")
    result = logged.verify_audit()
    assert (result.ok, result.checked, result.first_broken_id) == (False, 0, 1)
    assert "4 rows missing" in result.reason


def test_cut_hidden_from_the_head_is_still_caught_by_the_ledger(logged: Store) -> None:
    _tamper(logged.path, "DELETE FROM audit WHERE id >= 2")
    first_hash = logged.list_audit()[0].row_hash
    _sql(logged.path, "UPDATE audit_head SET count = 1, last_id = 1, last_hash = ?", params=(first_hash,))
    result = logged.verify_audit()
    assert (result.ok, result.first_broken_id) == (False, 2)
    assert "cost ledger" in result.reason


def test_appending_after_a_cut_does_not_hide_it(logged: Store) -> None:
    _tamper(logged.path, "DELETE FROM audit WHERE id = 4")
    assert _audit(logged) == 5
    result = logged.verify_audit()
    assert (result.ok, result.first_broken_id) == (False, 5)


def test_a_well_formed_row_inserted_outside_inhouse_is_detected(logged: Store) -> None:
    forged = asdict(logged.list_audit()[-1])
    forged.update(id=5, prev_hash=forged["row_hash"], outcome="sent")
    forged["row_hash"] = row_hash(forged)
    columns = ", ".join(forged)
    _sql(logged.path, "DROP TRIGGER audit_head_advance")
    _sql(logged.path, f"INSERT INTO audit ({columns}) VALUES ({', '.join('?' * len(forged))})",
         params=tuple(forged.values()))  # fmt: skip
    result = logged.verify_audit()
    assert (result.ok, result.first_broken_id) == (False, 5)
    assert "outside Inhouse" in result.reason


def test_the_log_is_append_only_for_ordinary_sql(logged: Store) -> None:
    for statement in ("UPDATE audit SET cost_usd = 0", "DELETE FROM audit", "DELETE FROM audit_head"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            _sql(logged.path, statement)
    assert logged.verify_audit().ok


def test_chain_continues_across_reopen(logged: Store) -> None:
    logged.close()
    with Store(logged.path) as again:
        assert _audit(again) == 5
        assert again.verify_audit().describe().startswith("5 rows, chain intact")


def test_append_rejects_misleading_rows(store: Store) -> None:
    with pytest.raises(ValueError, match="consent"):
        _audit(store, consent="maybe")
    with pytest.raises(ValueError, match="payload_mode"):
        _audit(store, payload_mode="none")
    with pytest.raises(ValueError, match="denied"):
        _audit(store, consent="deny", outcome="sent")
    with pytest.raises(ValueError, match="cost_usd"):
        _audit(store, cost_usd=-1)
    assert store.list_audit() == []


def test_export_has_every_column_with_hashes(logged: Store) -> None:
    rows = logged.export_audit()
    assert len(rows) == 4
    assert rows[1]["payload"] is None and rows[1]["row_hash"] == rows[2]["prev_hash"]


# -- queue and ledger ------------------------------------------------------------------------------


def test_queue_lifecycle(store: Store) -> None:
    request = {"task": "summarize", "text": "long text", "spec": {"max_words": 60}}
    first = store.enqueue(task="summarize", request=request, reason="offline")
    second = store.enqueue(task="classify", request={"task": "classify"}, reason="offline")
    store.record_queue_failure(first, "connection refused")
    store.record_queue_failure(first, "timeout")

    items = store.list_queue()
    assert [i.id for i in items] == [first, second]
    assert (items[0].request, items[0].attempts, items[0].last_error) == (request, 2, "timeout")
    assert (items[1].attempts, items[1].last_error) == (0, None)
    store.dequeue(first)
    store.dequeue(first)
    assert [i.id for i in store.list_queue()] == [second]
    assert store.clear_queue() == 1 and store.list_queue() == []


def test_month_spend_comes_from_the_audit_rows_of_the_month(store: Store) -> None:
    _audit(store, cost_usd=0.25)
    _audit(store, cost_usd=0.5, outcome="error: 500")
    answered = store.append_intent(task="classify", tier="cloud", provider="anthropic", model="m", host="h",
                                   consent="allow_once", body=b"{}", payload_mode="hash", reserved_usd=9.0)
    store.append_outcome(answered, outcome="answered", attempts=[{"n": 1, "status": 200}], cost_usd=1.0)
    store.append_intent(task="classify", tier="cloud", provider="anthropic", model="m", host="h",
                        consent="allow_once", body=b"{}", payload_mode="hash", reserved_usd=2.0)  # outcome unknown
    now = datetime.now(UTC)
    assert store.month_spend() == pytest.approx(0.25 + 0.5 + 1.0 + 2.0)
    assert store.month_spend(now.replace(day=1) - timedelta(days=1)) == 0.0
    assert store.month_spend(datetime(2025, 6, 1, tzinfo=UTC)) == 0.0


def test_deleting_the_ledger_does_not_reset_the_budget(store: Store) -> None:
    """The attack: delete the cost ledger's rows to spend the month's budget again."""
    audit_id = _audit(store, cost_usd=4.0)
    store.record_cost(provider="anthropic", model="m", input_tokens=1, output_tokens=1, cost_usd=4.0,
                      audit_id=audit_id)
    _sql(store.path, "DELETE FROM ledger")
    assert store.month_spend() == pytest.approx(4.0)


# -- threads ---------------------------------------------------------------------------------------


def test_shared_store_and_second_connection_from_threads(store: Store) -> None:
    other = Store(store.path)  # another process's connection, e.g. the CLI while the app runs
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def work(target: Store, n: int) -> None:
        barrier.wait()
        try:
            for i in range(n):
                audit_id = _audit(target, payload=f"payload {i}")
                target.record_cost(provider="anthropic", model="m", input_tokens=1, output_tokens=1,
                                   cost_usd=0.01, audit_id=audit_id)  # fmt: skip
                _add(target, f"thread text {i}", audit_id=audit_id)
                target.search_history("thread")
                target.list_audit(limit=5)
        except BaseException as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t, 25)) for t in (store, store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()

    assert errors == []
    assert store.verify_audit().describe().startswith("75 rows, chain intact")
    assert len(store.list_history(limit=1000)) == 75
    assert store.month_spend() == pytest.approx(75 * 0.00002)


def test_a_forged_row_appended_by_an_ordinary_insert_is_detected(logged: Store) -> None:
    """The attack: append a row with correct hashes through plain SQL; the head trigger even advances."""
    forged = asdict(logged.list_audit()[-1])
    forged.update(id=5, prev_hash=forged["row_hash"], outcome="sent", cost_usd=0.0, mac=None)
    forged["row_hash"] = row_hash(forged)
    del forged["mac"]
    columns = ", ".join(forged)
    _sql(logged.path, f"INSERT INTO audit ({columns}) VALUES ({', '.join('?' * len(forged))})",
         params=tuple(forged.values()))  # fmt: skip
    result = logged.verify_audit()
    assert (result.ok, result.first_broken_id) == (False, 5)
    assert "outside Inhouse" in result.reason


def test_a_head_rolled_back_by_hand_is_detected(logged: Store) -> None:
    _tamper(logged.path, "DELETE FROM audit WHERE id = 4")
    third = logged.list_audit()[-1]
    _sql(logged.path, "UPDATE audit_head SET count = 3, last_id = 3, last_hash = ?", params=(third.row_hash,))
    _sql(logged.path, "DELETE FROM ledger WHERE audit_id = 4")
    result = logged.verify_audit()
    assert not result.ok and "head" in result.reason


def test_rows_are_signed_with_the_key_in_the_keyring(logged: Store) -> None:
    assert all(e.mac for e in logged.list_audit())
    assert "signed with this device's key" in logged.verify_audit().describe()
