"""Audit: every escalation (what was sent, to whom, when, under which consent), the chain check, export."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, fields
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.audit import consent_words, delivery_text
from app.errors import InhouseError
from app.store import AuditEntry, VerifyResult
from ui.explain import error_text
from ui.file_dialogs import save_file
from ui.formatting import local_time, task_title, usd
from ui.page import page_header
from ui.tables import fit_columns

COLUMNS = ("#", "When", "Task", "Sent to", "Consent", "Tokens", "Cost", "Outcome")
WRAPPING = (3, 4, 7)  # the long columns share the width left and wrap: the table never scrolls sideways


def payload_text(entry: AuditEntry) -> str:
    if entry.kind == "outcome":
        return f"The outcome of request #{entry.intent_id}: what was sent is in that row.\n\n{entry.outcome}"
    if entry.payload is None:
        return (f"Only a fingerprint of what was sent is kept (privacy.audit_payload = \"hash\").\n\n"
                f"SHA-256: {entry.payload_sha256}")
    try:
        return json.dumps(json.loads(entry.payload), indent=2, ensure_ascii=False)
    except ValueError:
        return entry.payload


def verify_text(result: VerifyResult) -> str:
    if result.ok:
        n = result.checked
        return f"✓ Verified {n} row{'' if n == 1 else 's'}: the chain is intact; nothing was edited or removed."
    return f"✗ Problem found: {result.describe()}. Export the log and keep the copy before anything else."


def export_audit(entries: list[AuditEntry], path: Path) -> None:
    """Write every row with its hashes to ``path`` (CSV for .csv, else JSON), readable by the owner only."""
    rows = [asdict(e) for e in entries]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, [f.name for f in fields(AuditEntry)], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise InhouseError(f"Could not write {path}: {exc.strerror}.", "Choose a folder you can write to.") from exc


class AuditView(QWidget):
    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.entries: list[AuditEntry] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        page_header(layout, "Audit log",
                    "Every time anything left this device: what was sent, to whom, when, and under which "
                    "consent. Each row is chained to the one before, so edits and deletions show.")
        layout.addLayout(self._toolbar())
        self.result = QLabel()
        self.result.setObjectName("banner")
        self.result.setWordWrap(True)
        self.result.hide()
        layout.addWidget(self.result)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._table())
        self.payload = QPlainTextEdit()
        self.payload.setReadOnly(True)
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.setAccessibleName("What was sent")
        self.payload.setPlaceholderText("Select a row to see exactly what was sent.")
        splitter.addWidget(self.payload)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("caption")
        row.addWidget(self.count, 1)
        self.verify_button = QPushButton("Verify log")
        self.verify_button.setAccessibleName("Verify the audit log's hash chain")
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(self.verify_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setAccessibleName("Export the audit log to a file")
        self.export_button.clicked.connect(self._choose_export)
        row.addWidget(self.export_button)
        return row

    def _table(self) -> QTableWidget:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Escalations")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        fit_columns(self.table, wrapping=WRAPPING)
        self.table.itemSelectionChanged.connect(self._show_selected)
        return self.table

    def refresh(self) -> None:
        if self.assistant.store_problem:
            self.entries = []
            self.table.setRowCount(0)
            self.count.setText(f"The audit log is unavailable: {self.assistant.store_problem}")
            return
        self.entries = list(reversed(self.assistant.store.list_audit(limit=500)))  # newest first
        unknown = {e.id for e in self.assistant.store.open_intents()}
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            where = f"{e.provider} · {e.model}" + (f" · {e.host}" if e.host else "")
            happened = delivery_text(e, open_intent=e.id in unknown)
            cells = (str(e.id), local_time(e.created, short=True), task_title(e.task), where, consent_words(e.consent),
                     f"{e.input_tokens} + {e.output_tokens}", usd(e.cost_usd), happened)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col in WRAPPING else "")
                if col == 7 and e.kind == "outcome":  # the row's own words too (also below, when selected)
                    item.setToolTip(f"{text}\nRecorded: {e.outcome}")
                self.table.setItem(row, col, item)
        n = len(self.entries)
        self.count.setText(f"{n} escalation{'' if n == 1 else 's'}" if n else
                           "Nothing has left this device yet.")
        self.payload.clear()

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.payload.setPlainText(payload_text(self.entries[rows[0].row()]))

    def verify(self) -> VerifyResult:
        result = self.assistant.store.verify_audit()
        self.result.setText(verify_text(result))
        self.result.setProperty("state", "good" if result.ok else "bad")
        self.result.style().polish(self.result)
        self.result.show()
        return result

    def _choose_export(self) -> None:
        path = save_file(self, "Export the audit log", "inhouse-audit.json", "JSON (*.json);;CSV (*.csv)")
        if path is None:
            return
        try:
            export_audit(self.assistant.store.list_audit(), path)
        except InhouseError as err:
            self._banner(error_text(err), ok=False)
            return
        self._banner(f"Exported {len(self.entries)} rows to {path} (readable only by you).", ok=True)

    def _banner(self, text: str, ok: bool) -> None:
        self.result.setText(text)
        self.result.setProperty("state", "good" if ok else "bad")
        self.result.style().polish(self.result)
        self.result.show()
