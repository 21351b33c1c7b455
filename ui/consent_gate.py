"""The ``ConsentGate`` the assistant calls from a worker thread, answered by a dialog on the GUI thread.

``ask()`` runs on the worker: it hands the request to the GUI thread (a queued signal to this object,
which lives there), which opens the dialog window-modally, and blocks the worker on an event until the
user answers. The GUI event loop keeps running meanwhile. ``deny_all()`` (on close) answers every open
question with Deny so no worker is left waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.consent import DENIED, ConsentDecision, ConsentRequest

if TYPE_CHECKING:  # the dialog (and the redaction code it uses) loads when a question is first asked (#11)
    from ui.consent_dialog import ConsentDialog


def _consent_dialog(request: ConsentRequest, parent: QWidget | None) -> ConsentDialog:
    from ui.consent_dialog import ConsentDialog

    return ConsentDialog(request, parent)


@dataclass
class _Question:
    request: ConsentRequest
    answered: threading.Event = field(default_factory=threading.Event)
    decision: ConsentDecision = DENIED
    dialog: ConsentDialog | None = None

    def answer(self, decision: ConsentDecision) -> None:
        if not self.answered.is_set():
            self.decision = decision
            self.answered.set()


class DialogConsentGate(QObject):
    """Create it on the GUI thread; pass it as the gate to ``Assistant.run`` / ``escalate``."""

    dialog_opened = Signal(object)  # the ConsentDialog, once shown (tests, screenshots)
    _asked = Signal(object)

    def __init__(self, parent_widget: QWidget | None = None,
                 make_dialog: Callable[[ConsentRequest, QWidget | None], ConsentDialog] = _consent_dialog) -> None:
        super().__init__()
        self._parent = parent_widget
        self._make_dialog = make_dialog
        self._open: list[_Question] = []
        self._closed = False
        self._asked.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @property
    def current(self) -> ConsentDialog | None:
        """The dialog on screen now, if any."""
        return next((q.dialog for q in self._open if q.dialog is not None), None)

    def ask(self, request: ConsentRequest) -> ConsentDecision:
        if self._closed:
            return DENIED
        question = _Question(request)
        if QThread.currentThread() == self.thread():  # called on the GUI thread: a modal dialog
            dialog = self._make_dialog(request, self._parent)
            self.dialog_opened.emit(dialog)
            dialog.exec()
            return dialog.decision()
        self._asked.emit(question)
        question.answered.wait()
        return question.decision

    @Slot(object)
    def _show(self, question: _Question) -> None:
        if self._closed:
            question.answer(DENIED)
            return
        dialog = self._make_dialog(question.request, self._parent)
        question.dialog = dialog
        self._open.append(question)
        dialog.finished.connect(lambda _result: self._finish(question))
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _finish(self, question: _Question) -> None:
        if question in self._open:
            self._open.remove(question)
        if question.dialog is not None:
            question.answer(question.dialog.decision())
            question.dialog.deleteLater()
            question.dialog = None

    def deny_all(self) -> None:
        """Answer every open question with Deny and refuse new ones (the window is closing)."""
        self._closed = True
        for question in list(self._open):
            question.answer(DENIED)
            if question.dialog is not None:
                question.dialog.reject()
