"""The consent dialog: exactly what would be sent, to whom, for how much, and why; Deny is the default.

The user can hide more of the text: select it and press "Redact selection". It becomes
``[REDACTED_1]`` wherever it appears (``inference.redact.redact_more``). The JSON tab always shows the
request as it would now be sent; the assistant rebuilds the payload from ``ConsentDecision.edited_text``
the same way (the text is the user message, byte for byte).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.consent import ConsentChoice, ConsentDecision, ConsentRequest
from app.redaction import INVISIBLE_MARK, SPACE_MARK, USER, Redaction, Span, mark_invisible, redact_more
from app.router import usd
from ui.formatting import task_title
from ui.window_geometry import bounded

AUTO_COLOR = QColor("#fde68a")  # redacted on this device before the dialog opened
USER_COLOR = QColor("#ddd6fe")  # redacted by the user in the dialog


def payload_with_text(payload: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``payload`` with every string equal to ``old`` (the user message) replaced by ``new``."""

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return new if value == old else value
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    result: dict[str, Any] = swap(copy.deepcopy(payload))
    return result


def initial_redaction(request: ConsentRequest) -> Redaction:
    """The request's text with its placeholders as spans. The originals stay with the assistant, so
    each placeholder maps to itself here (``redact_more`` only needs to know what is already hidden)."""
    spans = tuple(Span(h.start, h.end, h.kind, h.placeholder) for h in request.highlights
                  if request.text[h.start:h.end] == h.placeholder)
    return Redaction(request.text, {sp.placeholder: sp.placeholder for sp in spans}, spans)


def _utf16_to_index(text: str, pos: int) -> int:
    """A Qt (UTF-16) position in ``text`` as a Python string index."""
    return len(text.encode("utf-16-le")[: 2 * pos].decode("utf-16-le", errors="ignore"))


def _index_to_utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _highlight(view: QPlainTextEdit, text: str, spans: tuple[Span, ...]) -> None:
    """Colour each span of ``text`` (shown in ``view``): automatic redactions amber, the user's violet."""
    selections = []
    for span in spans:
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(USER_COLOR if span.kind == USER else AUTO_COLOR)
        sel.format = fmt
        cursor = QTextCursor(view.document())
        cursor.setPosition(_index_to_utf16(text, span.start))
        cursor.setPosition(_index_to_utf16(text, span.end), QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor
        selections.append(sel)
    view.setExtraSelections(selections)


def _json_spans(text: str, placeholders: dict[str, str]) -> tuple[Span, ...]:
    """Where each placeholder (placeholder -> kind) appears in the JSON text."""
    found = []
    for placeholder, kind in placeholders.items():
        pos = text.find(placeholder)
        while pos >= 0:
            found.append(Span(pos, pos + len(placeholder), kind, placeholder))
            pos = text.find(placeholder, pos + len(placeholder))
    return tuple(found)


class ConsentDialog(QDialog):
    def __init__(self, request: ConsentRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self._redaction = initial_redaction(request)
        self._history: list[Redaction] = []
        self._choice = ConsentChoice.DENY
        where = "the cloud model" if request.tier == "cloud" else request.tier_label.removeprefix("On ")
        self.setWindowTitle(f"Ask {where}? — Inhouse")
        self.setObjectName("consentDialog")
        self.setAccessibleName(f"Consent to send text to {where}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        self._header(layout)
        self._payload_views(layout)
        self._buttons(layout)
        self.resize(bounded(QSize(780, 640), self))  # on a short screen, shorter: its buttons stay on screen
        self._refresh()
        self.deny.setFocus()

    # -- building ---------------------------------------------------------------------------------
    def _header(self, layout: QVBoxLayout) -> None:
        r = self.request
        title = QLabel(f"Send this to {r.model}?")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        reason = QLabel(f"The answer so far is uncertain: {r.reason}.")
        reason.setWordWrap(True)
        reason.setObjectName("why")
        layout.addWidget(reason)
        facts = QFormLayout()
        facts.setHorizontalSpacing(16)
        facts.addRow(self._fact_title("Task"), QLabel(task_title(r.task)))
        facts.addRow(self._fact_title("Sent to"), QLabel(f"{r.tier_label} · {r.destination} · {r.model}"))
        self.tokens = QLabel(f"about {r.estimated_input_tokens} input + {r.estimated_output_tokens} output tokens")
        facts.addRow(self._fact_title("Size"), self.tokens)
        cost = QLabel(f"about {usd(r.estimated_cost_usd)} (at most {usd(r.max_cost_usd)})")
        facts.addRow(self._fact_title("Cost"), cost)
        layout.addLayout(facts)

    @staticmethod
    def _fact_title(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("fieldTitle")
        return label

    def _payload_views(self, layout: QVBoxLayout) -> None:
        explain = QLabel(
            "This is exactly what would be sent. Highlighted parts were replaced on this device; the "
            "originals never leave it. To hide more, select text and press Redact selection."
        )
        explain.setWordWrap(True)
        explain.setObjectName("caption")
        layout.addWidget(explain)
        self.tabs = QTabWidget()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setAccessibleName("Text that would be sent")
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setFont(mono)
        self.json_view.setAccessibleName("Full request that would be sent, as JSON")
        self.tabs.addTab(self.text_view, "Text to send")
        self.tabs.addTab(self.json_view, "Full request (JSON)")
        layout.addWidget(self.tabs, 1)
        row = QHBoxLayout()
        self.redact = QPushButton("Redact selection")
        self.redact.setAccessibleName("Redact the selected text")
        self.redact.setToolTip("Replace the selected text with a placeholder before sending")
        self.redact.clicked.connect(self.redact_selection)
        row.addWidget(self.redact)
        self.undo = QPushButton("Undo")
        self.undo.setAccessibleName("Undo the last redaction")
        self.undo.clicked.connect(self.undo_redaction)
        row.addWidget(self.undo)
        row.addStretch(1)
        self.invisible_note = QLabel(f"{INVISIBLE_MARK} invisible character  {SPACE_MARK} unusual space")
        self.invisible_note.setObjectName("caption")
        self.invisible_note.setToolTip("Shown here so you can see them; they are sent as they are")
        row.addWidget(self.invisible_note)
        row.addWidget(self._legend("Redacted automatically", AUTO_COLOR))
        row.addWidget(self._legend("Redacted by you", USER_COLOR))
        layout.addLayout(row)

    @staticmethod
    def _legend(text: str, color: QColor) -> QLabel:
        label = QLabel(f'<span style="background:{color.name()}">&nbsp;&nbsp;&nbsp;&nbsp;</span> {text}')
        label.setObjectName("caption")
        return label

    def _buttons(self, layout: QVBoxLayout) -> None:
        row = QHBoxLayout()
        note = QLabel("Nothing is sent unless you allow it.")
        note.setObjectName("caption")
        row.addWidget(note, 1)
        self.deny = QPushButton("Deny")
        self.deny.setDefault(True)
        self.deny.setAccessibleName("Deny: send nothing")
        self.deny.clicked.connect(self.reject)
        self.allow_once = QPushButton("Allow once")
        self.allow_once.setAccessibleName("Allow sending this once")
        self.allow_once.clicked.connect(lambda: self._allow(ConsentChoice.ALLOW_ONCE))
        self.allow_session = QPushButton(f"Allow {task_title(self.request.task)} for this session")
        self.allow_session.setAccessibleName(self.allow_session.text())
        self.allow_session.clicked.connect(lambda: self._allow(ConsentChoice.ALLOW_SESSION))
        self.allow_session.setVisible(self.request.allow_session)
        for button in (self.allow_session, self.allow_once, self.deny):
            row.addWidget(button)
        self.deny.setObjectName("primary")
        layout.addLayout(row)
        self.setTabOrder(self.deny, self.allow_once)
        self.setTabOrder(self.allow_once, self.allow_session)
        self.setTabOrder(self.allow_session, self.tabs)

    # -- behaviour --------------------------------------------------------------------------------
    def _allow(self, choice: ConsentChoice) -> None:
        self._choice = choice
        self.accept()

    def reject(self) -> None:  # Esc, the close button and Deny
        self._choice = ConsentChoice.DENY
        super().reject()

    def redact_selection(self) -> None:
        if self.tabs.currentWidget() is not self.text_view:  # selections are made in the text tab
            self.tabs.setCurrentWidget(self.text_view)
            return
        cursor = self.text_view.textCursor()
        if not cursor.hasSelection():
            self.text_view.setFocus()
            return
        text = self._redaction.text
        view_text = self.text_view.toPlainText()
        start = _utf16_to_index(view_text, cursor.selectionStart())
        end = _utf16_to_index(view_text, cursor.selectionEnd())
        if view_text != mark_invisible(text):  # Qt normalised the text (line breaks): work on what is shown
            self._redaction = Redaction(view_text, {}, ())
        updated = redact_more(self._redaction, start, end)
        if updated.text != self._redaction.text:
            self._history.append(self._redaction)
            self._redaction = updated
            self._refresh()

    def undo_redaction(self) -> None:
        if self._history:
            self._redaction = self._history.pop()
            self._refresh()

    def _refresh(self) -> None:
        text = self._redaction.text
        shown = mark_invisible(text)  # invisible characters made visible, one mark for each
        self.text_view.setPlainText(shown)
        _highlight(self.text_view, shown, self._redaction.spans)
        payload = mark_invisible(json.dumps(self.shown_payload(), indent=2, ensure_ascii=False))
        self.json_view.setPlainText(payload)
        self.invisible_note.setVisible(shown != text)
        kinds = {sp.placeholder: sp.kind for sp in self._redaction.spans}
        _highlight(self.json_view, payload, _json_spans(payload, kinds))
        self.undo.setEnabled(bool(self._history))

    # -- results ----------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The text as it would be sent now."""
        return self._redaction.text

    def shown_payload(self) -> dict[str, Any]:
        """The request body as shown now (with the user's redactions)."""
        if self.text == self.request.text:
            return self.request.payload
        return payload_with_text(self.request.payload, self.request.text, self.text)

    def decision(self) -> ConsentDecision:
        edited = self.text if self.text != self.request.text else None
        if self._choice is ConsentChoice.DENY:
            return ConsentDecision(ConsentChoice.DENY)
        mine = {k: v for k, v in self._redaction.mapping.items() if k != v}  # the user's [REDACTED_n] only
        return ConsentDecision(self._choice, edited_text=edited, added_mapping=mine)
