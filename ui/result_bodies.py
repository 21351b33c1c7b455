"""The task-specific part of a result: label bars (classify) and text (summarize); the extract body, with
its fields, spans and corrections, is ``ui.extract_body``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.outcome import Outcome
from ui.formatting import percent
from ui.meter import Bar

WEAK = QColor("#b45309")  # a field the model is unsure of, or did not find in the text


def _clear(layout: QGridLayout | QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("caption")
    label.setWordWrap(True)
    return label


def _copy_button(name: str) -> QPushButton:
    button = QPushButton(f"Copy {name}")
    button.setAccessibleName(f"Copy the {name} to the clipboard")
    button.setProperty("flat", True)
    return button


class ClassifyBody(QWidget):
    """Every label with its probability as a bar, most likely first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.caption = _caption("")
        outer.addWidget(self.caption)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.rows: list[tuple[str, str]] = []  # (label, percent) as shown, for tests and accessibility

    def show_outcome(self, outcome: Outcome) -> None:
        _clear(self.grid)
        local, remote = outcome.local, outcome.remote
        probs = local.probabilities or {str(local.output): local.confidence}
        if remote is not None and remote.probabilities:
            probs = remote.probabilities
            self.caption.setText(f"Label probabilities from {remote.model} ({remote.tier_label.lower()}).")
        elif remote is not None:
            self.caption.setText(f"Label probabilities from the local model ({remote.model} chose "
                                 f"“{outcome.answer}”).")
        else:
            self.caption.setText("Label probabilities from the local model.")
        ranked = sorted(probs.items(), key=lambda kv: kv[1], reverse=True)
        self.rows = []
        for row, (label, prob) in enumerate(ranked):
            top = label == str(outcome.answer)
            name = QLabel(label)
            name.setObjectName("labelStrong" if top else "labelName")
            value = QLabel(percent(prob))
            value.setObjectName("labelStrong" if top else "labelName")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setMinimumWidth(44)
            bar = Bar(prob, strong=top)
            bar.setAccessibleName(f"{label}: {percent(prob)}")
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(bar, row, 1)
            self.grid.addWidget(value, row, 2)
            self.rows.append((label, percent(prob)))


class SummaryBody(QWidget):
    """The summary text, with its length and a copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("summaryText")
        self.text.setAccessibleName("Summary")
        # it fills the room under the answer (at least four lines) and scrolls itself: its default height
        # would make the whole panel scroll, over empty space, under a short summary
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.text.setMinimumHeight(4 * self.text.fontMetrics().lineSpacing() + 24)
        layout.addWidget(self.text, 1)
        bar = QHBoxLayout()
        self.words = _caption("")
        bar.addWidget(self.words)
        bar.addStretch(1)
        self.copy = _copy_button("summary")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        bar.addWidget(self.copy)
        layout.addLayout(bar)

    def show_outcome(self, outcome: Outcome) -> None:
        text = str(outcome.answer)
        self.text.setPlainText(text)
        self.words.setText(f"{len(text.split())} words")
