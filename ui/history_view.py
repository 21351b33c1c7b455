"""History: every run kept on this device, with full-text search; open, reuse, delete one, clear all."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.store import HistoryEntry
from ui.formatting import local_time, short_model, snippet, task_title
from ui.page import page_header

COLUMNS = ("When", "Task", "Answer", "Text", "Made", "Confidence")


def answer_text(output: object) -> str:
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


def _made(entry: HistoryEntry) -> str:
    """Which tier answered: Device, Org or Cloud (older rows: local or frontier)."""
    tier = entry.details.get("answered_by")
    if tier in ("device", "org", "cloud"):
        return str(tier).capitalize()
    return "Device" if entry.tier == "local" else "Cloud"


def where_text(entry: HistoryEntry) -> str:
    label = entry.details.get("tier_label")
    if isinstance(label, str) and label:
        return label if entry.tier == "local" else f"{label}: {entry.model}"
    return "On this device" if entry.tier == "local" else f"By {entry.model}"


def details_html(entry: HistoryEntry) -> str:
    e = html.escape
    answer = entry.output if isinstance(entry.output, str) else json.dumps(entry.output, indent=2,
                                                                           ensure_ascii=False)
    facts = [("When", local_time(entry.created)), ("Task", task_title(entry.task)),
             ("Made", where_text(entry)), ("Model", short_model(entry.model)),
             ("Confidence", f"{entry.confidence:.2f}"), ("Time", f"{entry.latency_ms:.0f} ms")]
    if entry.reason:
        facts.append(("Decision", entry.reason))
    rows = "".join(f"<tr><td class='k'>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in facts)
    return (f"<h3>Answer</h3><pre>{e(answer)}</pre><table cellspacing='4'>{rows}</table>"
            f"<h3>Text</h3><p style='white-space:pre-wrap'>{e(entry.input_text)}</p>")


class HistoryView(QWidget):
    use_again = Signal(object)  # the HistoryEntry to load on the Assistant page
    changed = Signal()

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.entries: list[HistoryEntry] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.subtitle = page_header(layout, "History", "")
        layout.addLayout(self._toolbar())
        splitter = QSplitter(Qt.Orientation.Vertical)  # the table keeps the window's full width for the text
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._table())
        splitter.addWidget(self._details())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([300, 200])
        layout.addWidget(splitter, 1)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.refresh)

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search text and answers…")
        self.query.setClearButtonEnabled(True)
        self.query.setAccessibleName("Search history")
        self.query.textChanged.connect(lambda _t: self._timer.start())
        row.addWidget(self.query, 1)
        self.count = QLabel()
        self.count.setObjectName("caption")
        row.addWidget(self.count)
        self.clear_button = QPushButton("Clear all…")
        self.clear_button.setObjectName("danger")
        self.clear_button.setAccessibleName("Delete the whole history")
        self.clear_button.clicked.connect(lambda: self.clear_all(confirm=True))
        row.addWidget(self.clear_button)
        return row

    def _table(self) -> QTableWidget:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Past runs")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(2, 150)
        self.table.itemSelectionChanged.connect(self._show_selected)
        return self.table

    def _details(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 8, 0, 0)
        self.details = QTextBrowser()
        self.details.setAccessibleName("The selected run")
        self.details.setPlaceholderText("Select a run to see it in full.")
        layout.addWidget(self.details, 1)
        row = QHBoxLayout()
        self.use_button = QPushButton("Use this text again")
        self.use_button.setAccessibleName("Load this run's text on the Assistant page")
        self.use_button.clicked.connect(self._use_again)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setAccessibleName("Delete this run")
        self.delete_button.clicked.connect(self.delete_selected)
        row.addWidget(self.use_button)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        layout.addLayout(row)
        self._enable_actions(False)
        return box

    # -- data -------------------------------------------------------------------------------------
    def _off_text(self) -> str:
        """History is off: by the administrator (nothing for the user to change), or in the user's Settings."""
        if self.assistant.effective.is_locked("privacy.store_history"):
            return "Your administrator turned history off: new runs are not kept."
        return "History is turned off (Settings, Privacy: “Keep a searchable history”): new runs are not kept."

    def refresh(self) -> None:
        self._timer.stop()
        store = self.assistant.store
        privacy = self.assistant.effective.policy.privacy
        query = self.query.text().strip()
        if self.assistant.store_problem:
            self.entries = []
            self.table.setRowCount(0)
            self.subtitle.setText(f"History is unavailable: {self.assistant.store_problem}")
            return
        self.entries = store.search_history(query) if query else store.list_history(200)
        self.subtitle.setText(
            f"Runs are kept on this device for {privacy.retention_days} days. Search looks at the text and the answer."
            if privacy.store_history else self._off_text())
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            cells = (local_time(entry.created, short=True), task_title(entry.task),
                     snippet(answer_text(entry.output), 40), snippet(entry.input_text, 120),
                     _made(entry), f"{entry.confidence:.2f}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(where_text(entry) if col == 4 else "")
                self.table.setItem(row, col, item)
        if query:
            self.count.setText(f"{len(self.entries)} match{'' if len(self.entries) == 1 else 'es'}")
        else:
            self.count.setText(f"{len(self.entries)} run{'' if len(self.entries) == 1 else 's'}")
        self.clear_button.setEnabled(bool(self.entries) or bool(query))  # nothing to clear: a button that does nothing
        self.details.clear()
        self._enable_actions(False)

    def search(self, query: str) -> None:
        """Search now (what typing does after a short pause)."""
        self.query.setText(query)
        self.refresh()

    def selected(self) -> HistoryEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _show_selected(self) -> None:
        entry = self.selected()
        self._enable_actions(entry is not None)
        if entry is not None:
            self.details.setHtml(details_html(entry))

    def _enable_actions(self, enabled: bool) -> None:
        self.use_button.setEnabled(enabled)
        self.delete_button.setEnabled(enabled)

    def _use_again(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.use_again.emit(entry)

    def delete_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.assistant.store.delete_history(entry.id)
            self.refresh()
            self.changed.emit()

    def clear_all(self, confirm: bool) -> None:
        if confirm:
            answer = QMessageBox.question(
                self, "Clear history", "Delete every run in the history? This cannot be undone.\n"
                "The audit log of escalations is kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.assistant.store.clear_history()
        self.refresh()
        self.changed.emit()
