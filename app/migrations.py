"""Schema of the Inhouse database, as numbered, append-only migrations.

Every open of the database runs :func:`apply`; migrations not yet recorded in the ``_sqlite_migrations``
table (set ``"inhouse"``) run in order, each in one transaction together with its record. A shipped
migration is never edited: a schema change is a new function at the end (``m005_...``), the way
simonw/llm does it. ``sqlite_utils.Migrations`` (sqlite-utils 4.x) does the bookkeeping.

Tables: ``history`` (+ FTS5 index ``history_fts`` over input and output), ``audit`` (hash-chained, see
:mod:`app.audit`) with its running head ``audit_head``, ``queue`` (pending escalations) and ``ledger``
(costs), and the review's aggregates ``usage``, ``usage_confidence``, ``usage_eval`` (no text; they
outlive the history's retention). Times are UTC ISO-8601 strings with microseconds, so they sort and compare as text.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATION_SET = "inhouse"
MIGRATIONS_TABLE = Migrations.migrations_table
GENESIS_HASH = "0" * 64

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_history(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            task TEXT NOT NULL,
            input_text TEXT NOT NULL,
            output TEXT NOT NULL,
            confidence REAL NOT NULL,
            tier TEXT NOT NULL CHECK (tier IN ('local', 'frontier')),
            model TEXT NOT NULL,
            method TEXT NOT NULL,
            latency_ms REAL NOT NULL,
            decision TEXT NOT NULL,
            reason TEXT NOT NULL,
            audit_id INTEGER REFERENCES audit(id),
            details TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX history_created ON history (created)")
    db.table("history").enable_fts(["input_text", "output"], fts_version="FTS5", create_triggers=True)


@migrations()
def m002_audit(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            task TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            payload_mode TEXT NOT NULL CHECK (payload_mode IN ('full', 'hash')),
            payload TEXT,
            payload_sha256 TEXT NOT NULL,
            consent TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            outcome TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL
        )
        """
    )
    # The running head: how many rows the log has had and the hash of the last one. Kept by a trigger
    # in the same transaction as each insert, checked by verify (it shows rows cut from the end).
    db.execute(
        """
        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            count INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            last_hash TEXT NOT NULL
        )
        """
    )
    db.execute("INSERT INTO audit_head (id, count, last_id, last_hash) VALUES (1, 0, 0, ?)", [GENESIS_HASH])
    db.execute(
        """
        CREATE TRIGGER audit_head_advance AFTER INSERT ON audit BEGIN
          UPDATE audit_head SET count = count + 1, last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
        END
        """
    )
    # Append-only guards: a speed bump against accidental edits (a DB browser, a buggy query). They do
    # not make tampering impossible (a trigger can be dropped); the hash chain is what detects it.
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit BEGIN
              SELECT RAISE(ABORT, 'the audit log is append-only');
            END
            """
        )
    db.execute(
        """
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN
          SELECT RAISE(ABORT, 'the audit log is append-only');
        END
        """
    )


@migrations()
def m003_queue(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE queue (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            task TEXT NOT NULL,
            request TEXT NOT NULL,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """
    )


@migrations()
def m004_ledger(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            audit_id INTEGER REFERENCES audit(id)
        )
        """
    )
    db.execute("CREATE INDEX ledger_created ON ledger (created)")


@migrations()
def m005_audit_write_ahead(db: Database) -> None:
    """Write-ahead audit (format 2): an ``intent`` row before the first byte leaves, an ``outcome`` row
    after it; the destination (tier, host), every attempt, the amount held against the budget while the
    outcome is unknown, and a MAC keyed from the OS keyring on rows and head (see app.audit)."""
    for column, kind in (
        ("format", "INTEGER NOT NULL DEFAULT 1"),  # 1: rows written before this migration
        ("kind", "TEXT NOT NULL DEFAULT 'record'"),  # record (one row per escalation) | intent | outcome
        ("tier", "TEXT"),
        ("host", "TEXT"),
        ("intent_id", "INTEGER"),  # outcome rows: the intent they close
        ("attempts", "TEXT"),  # outcome rows: JSON list, one object per HTTP attempt
        ("reserved_usd", "REAL NOT NULL DEFAULT 0"),  # intent rows: counted while the outcome is unknown
        ("mac", "TEXT"),  # HMAC-SHA256(audit key, row_hash); NULL when no key was available
    ):
        db.execute(f"ALTER TABLE audit ADD COLUMN {column} {kind}")
    db.execute("ALTER TABLE audit_head ADD COLUMN mac TEXT")
    db.execute("CREATE INDEX audit_intent ON audit (intent_id)")


@migrations()
def m006_usage(db: Database) -> None:
    """The monthly review's aggregates (app.usage, app.review), written as answers happen and never pruned
    with the history: counts, tokens, costs and confidence bins per month, task, profile, tier. No text."""
    db.execute(
        """
        CREATE TABLE usage (
            month TEXT NOT NULL,  -- YYYY-MM (UTC)
            task TEXT NOT NULL,
            profile TEXT NOT NULL,  -- classifier profile / extraction schema title; '' when none
            origin TEXT NOT NULL,  -- run | rerun (the user asked the cloud later) | queued (sent from the queue)
            tier TEXT NOT NULL,  -- the tier whose answer was shown
            action TEXT NOT NULL,  -- how the run ended (router action)
            consent TEXT NOT NULL,  -- consent status of the last tier considered
            priced_model TEXT NOT NULL,  -- the frontier model the "everything to the frontier" bill is priced at
            answers INTEGER NOT NULL DEFAULT 0,
            confidence_sum REAL NOT NULL DEFAULT 0,  -- the device's confidence, summed
            frontier_input_tokens INTEGER NOT NULL DEFAULT 0,  -- had this gone to the frontier model
            frontier_output_tokens INTEGER NOT NULL DEFAULT 0,
            frontier_usd REAL NOT NULL DEFAULT 0,
            spent_input_tokens INTEGER NOT NULL DEFAULT 0,  -- what did leave, as the provider counted it
            spent_output_tokens INTEGER NOT NULL DEFAULT 0,
            spent_usd REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (month, task, profile, origin, tier, action, consent, priced_model)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE usage_confidence (
            month TEXT NOT NULL,
            task TEXT NOT NULL,
            profile TEXT NOT NULL,
            bin INTEGER NOT NULL,  -- floor(device confidence * 100), 0..99
            answers INTEGER NOT NULL DEFAULT 0,  -- runs whose device answer had this confidence
            kept INTEGER NOT NULL DEFAULT 0,  -- of those, answered on the device
            corrections INTEGER NOT NULL DEFAULT 0,  -- answers in this bin the user corrected later
            PRIMARY KEY (month, task, profile, bin)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE usage_eval (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            task TEXT NOT NULL,
            profile TEXT NOT NULL,
            items INTEGER NOT NULL,
            threshold REAL NOT NULL,
            accuracy_at_threshold REAL,  -- share right among the items kept at the threshold; NULL if none
            kept_share REAL NOT NULL  -- share of items at or above the threshold
        )
        """
    )


def pending(db: Database) -> list[str]:
    """Names of the migrations this database still lacks."""
    return [m.name for m in migrations.pending(db)]


def apply(db: Database) -> list[str]:
    """Apply the pending migrations; returns their names.

    The whole run holds SQLite's write lock (``BEGIN IMMEDIATE``), so two processes opening a new
    database at once (the app and the CLI) cannot both apply the same migration; each migration then
    runs in a savepoint with its record. Call outside any transaction.
    """
    if not pending(db):
        return []
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        names = pending(db)
        migrations.apply(db)
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    return names
