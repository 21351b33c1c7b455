"""The Assistant page: the task panel and the result view, and the runs between them.

Every run goes through ``Assistant.run`` in the thread pool (``ui.worker.run_task``); "Ask the cloud
model" calls ``Assistant.escalate`` with the dialog gate. The GUI thread only builds the request and
shows the outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QWidget

from app.assistant import Assistant
from app.errors import Cancelled, InhouseError
from app.outcome import Action, Outcome
from app.router import DenyReason
from app.store import HistoryEntry
from app.task_types import TASK_NAMES, CancelToken
from ui.consent_gate import DialogConsentGate
from ui.result_view import ResultView
from ui.tasks_panel import TaskPanel
from ui.worker import TaskDone, run_task

if TYPE_CHECKING:  # loaded with the redaction code when a question is first asked (ui.consent_gate)
    from ui.consent_dialog import ConsentDialog

BUSY_TITLES = {"classify": "Classifying on this device…", "extract": "Extracting on this device…",
               "summarize": "Summarizing on this device…"}


class AssistantPage(QWidget):
    outcome_ready = Signal(object)  # an Outcome, after every run or escalation
    busy_changed = Signal(bool)

    def __init__(self, assistant: Assistant, gate: DialogConsentGate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.gate = gate
        self._cancel: CancelToken | None = None
        self.busy = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.panel = TaskPanel()
        self.result = ResultView()
        splitter.addWidget(self.panel)
        splitter.addWidget(self.result)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([500, 600])  # proportions until the window is laid out (or the user drags)
        layout.addWidget(splitter)
        self.panel.run_requested.connect(self.run)
        self.panel.cancel_requested.connect(self.cancel)
        self.panel.context_changed.connect(self._context_changed)
        self.result.ask_cloud.connect(self.ask_cloud)
        gate.dialog_opened.connect(self._watch_dialog)
        self._shortcuts()
        self.panel.set_busy(False)

    def _shortcuts(self) -> None:
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.run, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.cancel, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Open, self, self.panel.choose_file,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for i, task in enumerate(TASK_NAMES, start=1):
            QShortcut(QKeySequence(f"Alt+{i}"), self, lambda t=task: self.panel.choose_task(t),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- actions ----------------------------------------------------------------------------------
    def run(self) -> None:
        if self.busy:
            return
        try:
            request = self.panel.request()
        except InhouseError as err:
            self.result.show_error(err)
            return
        cancel = self._cancel = CancelToken()
        assistant = self.assistant
        self._set_busy(True, BUSY_TITLES[request.task], "Running… Esc cancels", can_cancel=True)
        run_task(lambda: assistant.run(request, None, cancel), self._finished)

    def ask_cloud(self) -> None:
        outcome = self.result.current
        if self.busy or outcome is None:
            return
        assistant, gate = self.assistant, self.gate
        self._set_busy(True, "Waiting for your decision…", "Waiting for your decision",
                       body="Review what would be sent in the dialog. Nothing leaves this device "
                            "unless you allow it.")
        run_task(lambda: assistant.escalate(outcome, gate), self._finished)

    def cancel(self) -> None:
        if self.busy and self._cancel is not None:
            self._cancel.cancel()
            self.panel.state.set_text("Cancelling…")

    def _context_changed(self) -> None:
        """Another task or template: the answer (or error) on screen belongs to the old one."""
        if not self.busy:
            self.result.show_empty()
            self.panel.state.set_text("")  # "Done in 2.1 s" was the old task's run

    def use_past_run(self, entry: HistoryEntry) -> None:
        """Load a past run's task and text (and its labels, for classify) to run it again."""
        if self.busy:
            return
        if entry.task in TASK_NAMES:
            self.panel.set_task(entry.task)
        probabilities = entry.details.get("probabilities")
        if entry.task == "classify" and isinstance(probabilities, dict) and probabilities:
            self.panel.labels.set_labels(tuple(probabilities))
        self.panel.set_text(entry.input_text)
        self.result.show_empty()

    # -- results ----------------------------------------------------------------------------------
    def _finished(self, done: TaskDone[Outcome]) -> None:
        self._set_busy(False)
        if done.error is not None:
            if isinstance(done.error, Cancelled):
                self.result.show_message("Cancelled", "Nothing was kept. Run it again when you are ready.")
            else:
                self.result.show_error(done.error)
            return
        outcome = done.result
        assert outcome is not None
        threshold = outcome.threshold
        if threshold is None:
            threshold = self.assistant.effective.policy.thresholds.for_task(outcome.request.task)
        self.result.show_outcome(outcome, threshold, key_missing=self._key_missing(outcome))
        local = outcome.local
        self.panel.state.set_text(f"Done in {local.latency_ms / 1000:.1f} s")
        self.outcome_ready.emit(outcome)
        if outcome.remote is not None:  # text the user hid by hand teaches the redaction, in the background
            run_task(self.assistant.retrain_redaction_if_due, lambda _done: None)

    def _key_missing(self, outcome: Outcome) -> bool:
        """Was the cloud model refused for want of an API key (so the page offers to add one)?

        Read from the policy and the key, in the router's order, not from the words of the reason.
        """
        decision = outcome.decision
        return outcome.action is Action.DENY and decision is not None and decision.deny is DenyReason.NO_KEY

    def _watch_dialog(self, dialog: ConsentDialog) -> None:
        model = dialog.request.model
        dialog.accepted.connect(lambda: self.result.show_busy(
            f"Asking {model}…", "Sending exactly what you saw. The answer is restored on this device."))

    def _set_busy(self, busy: bool, title: str = "", state: str = "", *, body: str = "",
                  can_cancel: bool = False) -> None:
        self.busy = busy
        if busy:
            if body:
                self.result.show_busy(title, body)
            else:
                self.result.show_busy(title)
        else:
            self._cancel = None
        self.panel.set_busy(busy, state)
        self.panel.cancel_button.setEnabled(busy and can_cancel)
        self.busy_changed.emit(busy)
