"""The Extract result: every field with its value (or "not found") and confidence, the input text with the
spans the values were copied from highlighted, the JSON, and "This field should be…".

Selecting a field's row marks its span in the text. A correction (a value as written in the text, the
text selected in the view, or "not in the text") is emitted as ``correct_field(field, value)``; the
Assistant page turns it into an example of the extractor profile for this schema.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.outcome import Outcome
from app.task_types import FieldConfidence
from ui.extract_correction import FieldCorrectionDialog
from ui.formatting import confidence_pair
from ui.tables import fit_columns

WEAK = QColor("#b45309")  # a field the model is unsure of, or did not find in the text
MUTED = QColor("#6b7280")
SPAN = QColor("#fef3c7")  # every copied value
CURRENT = QColor("#fcd34d")  # the selected field's value
NOT_FOUND = "not found"
NOT_IN_TEXT = "(not in your text)"

def value_at(answer: Any, path: str) -> Any:
    node = answer
    for key in path.split("/"):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node

def value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("caption")
    label.setWordWrap(True)
    return label

class ExtractBody(QWidget):
    correct_field = Signal(str, object)  # (field, value as written | [start, end] | None = not in the text)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = self._table()
        layout.addWidget(self.table, 3)
        self.source_caption = _caption("Where the values are in your text")
        layout.addWidget(self.source_caption)
        self.source = QPlainTextEdit()
        self.source.setReadOnly(True)
        self.source.setAccessibleName("Your text, with the extracted values highlighted")
        layout.addWidget(self.source, 2)
        bar = QHBoxLayout()
        self.correct_button = QPushButton("This field should be…")
        self.correct_button.setAccessibleName("Correct a field")
        self.correct_button.setToolTip("Keep this message as an example with the right value, to train on")
        self.correct_button.clicked.connect(self._ask_correction)
        bar.addWidget(self.correct_button)
        bar.addStretch(1)
        self.copy = QPushButton("Copy JSON")
        self.copy.setAccessibleName("Copy the JSON to the clipboard")
        self.copy.setProperty("flat", True)
        self.copy.clicked.connect(self._copy)
        bar.addWidget(self.copy)
        layout.addLayout(bar)
        self.json = QPlainTextEdit()
        self.json.setReadOnly(True)
        self.json.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.json.setAccessibleName("Extracted JSON")
        layout.addWidget(self.json, 2)
        self.fields: dict[str, FieldConfidence] = {}
        self.names: list[str] = []
        self.answer: Any = None
        self.rows: list[tuple[str, str, str]] = []  # (field, value as shown, confidence as shown)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.json.toPlainText())

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, 3)
        table.setHorizontalHeaderLabels(["Field", "Value", "Confidence"])
        table.setAccessibleName("Extracted fields")
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        fit_columns(table, wrapping=(1,), share=0.35)  # the value takes the room left and wraps: no sideways scroll
        table.itemSelectionChanged.connect(self._highlight)
        return table

    def show_outcome(self, outcome: Outcome, threshold: float) -> None:
        self.answer = outcome.answer
        self.fields = dict(outcome.local.fields or {}) if outcome.remote is None else dict(outcome.remote.fields or {})
        answer = outcome.answer if isinstance(outcome.answer, dict) else {}
        self.names = list(self.fields) or list(answer)
        self.table.setRowCount(len(self.names))
        self.rows = []
        for row, name in enumerate(self.names):
            self._row(row, name, self.fields.get(name), value_at(answer, name), threshold)
        self.source.setPlainText(outcome.request.text)
        self.source_caption.setText("Where the values are in your text" if self.fields else
                                    "Your text (the cloud model's answer is not tied to places in it)")
        self.correct_button.setVisible(outcome.request.task == "extract" and bool(self.names))
        self.json.setPlainText(json.dumps(outcome.answer, indent=2, ensure_ascii=False))
        self._highlight()

    def _row(self, row: int, name: str, evidence: FieldConfidence | None, value: Any, threshold: float) -> None:
        found = evidence.found if evidence is not None else value is not None
        shown = value_text(value) if found else NOT_FOUND
        confidence = confidence_pair(evidence.confidence, threshold)[0] if evidence else "—"
        elsewhere = found and evidence is not None and evidence.span is None  # a value not copied from the text
        weak = evidence is not None and (evidence.confidence < threshold or (found and not evidence.grounded))
        cells = (name, shown + ("\n" + NOT_IN_TEXT if elsewhere else ""), confidence)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col == 1 and not found:
                item.setForeground(MUTED)
                item.setToolTip("Not in the text" + (" (the confidence is that it is absent)" if evidence else ""))
            elif col == 1:
                item.setToolTip("Not found as written in your text" if elsewhere else
                                "Select the row to see where it is in your text")
            if weak:
                item.setForeground(WEAK)
                item.setToolTip("Uncertain: below the threshold. Check it, or correct it with “This field should "
                                "be…”.")
            self.table.setItem(row, col, item)
        self.rows.append((name, shown, confidence))

    def selected_field(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.names[rows[0].row()] if rows and rows[0].row() < len(self.names) else None

    def _highlight(self) -> None:
        """Every copied value lightly, the selected field's strongly (and scrolled into view)."""
        document = self.source.document()
        cursor = QTextCursor(document)
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.setCharFormat(QTextCharFormat())
        current = self.selected_field()
        length = len(self.source.toPlainText())
        for name, evidence in self.fields.items():
            span = evidence.span
            if span is None or not evidence.found or span.end > length:
                continue
            fmt = QTextCharFormat()
            fmt.setBackground(CURRENT if name == current else SPAN)
            fmt.setToolTip(name)
            mark = QTextCursor(document)
            mark.setPosition(span.start)
            mark.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
            mark.setCharFormat(fmt)
            if name == current:
                view = QTextCursor(document)
                view.setPosition(span.start)
                self.source.setTextCursor(view)
                self.source.ensureCursorVisible()

    def spans(self) -> dict[str, str]:
        """Field → the highlighted text (what the view shows; for tests and accessibility)."""
        text = self.source.toPlainText()
        return {n: text[e.span.start : e.span.end] for n, e in self.fields.items() if e.span and e.found}

    # -- "This field should be…" --------------------------------------------------------------------
    def _ask_correction(self) -> None:
        dialog = self.correction_dialog()
        if dialog.exec():
            field, value = dialog.correction()
            self.correct_field.emit(field, value)

    def correction_dialog(self) -> FieldCorrectionDialog:
        cursor = self.source.textCursor()
        selection = (cursor.selectionStart(), cursor.selectionEnd()) if cursor.hasSelection() else None
        current = {n: (value_text(v) if (v := value_at(self.answer, n)) is not None else "") for n in self.names}
        return FieldCorrectionDialog(self.names, current, self.source.toPlainText(), selection,
                                     self.selected_field(), self)
