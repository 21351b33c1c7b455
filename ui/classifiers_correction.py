"""Learning from use on the Assistant page: "This should be…" on a classify result.

The correction goes through ``Assistant.add_correction`` in the thread pool; the result view then says
which classifier it was added to, or, when no classifier has the result's labels, offers to create one
with this message as its first example.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.assistant import Assistant
from app.errors import ClassifierMissing
from app.outcome import Outcome
from ui.classifier_dialog import NewClassifierDialog
from ui.explain import describe_error
from ui.result_view import ResultView
from ui.worker import TaskDone, run_task


def suggested_name(labels: list[str]) -> str:
    """A valid profile name from the labels, e.g. ``billing-bug-feature``."""
    words = [re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() for label in labels[:3]]
    return "-".join(w for w in words if w)[:40].strip("-") or "my-classifier"


def outcome_labels(outcome: Outcome) -> list[str]:
    return list(outcome.local.probabilities or ()) or list(getattr(outcome.request.spec, "labels", ()))


class CorrectionController(QObject):
    profiles_changed = Signal()

    def __init__(self, assistant: Assistant, result: ResultView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.result = result
        self._pending: tuple[Outcome, str] | None = None  # the correction waiting for a new classifier
        result.correct.connect(self.correct)
        result.create_classifier.connect(self.choose_name)

    def correct(self, outcome: Outcome, label: str) -> None:
        assistant = self.assistant
        self.result.outcome.show_correction(f"Adding it as an example of “{label}”…")
        run_task(lambda: assistant.add_correction(outcome, label), lambda done: self._added(done, outcome, label))

    def _added(self, done: TaskDone[str], outcome: Outcome, label: str) -> None:
        if self.result.current is not outcome:
            return  # another result is shown now
        panel = self.result.outcome
        if isinstance(done.error, ClassifierMissing):
            self._pending = (outcome, label)
            panel.show_correction(f"Not kept: no classifier has the labels {', '.join(outcome_labels(outcome))}. "
                                  f"Create one to start teaching it, with this message as an example of “{label}”.",
                                  good=False, offer_create=True)
        elif done.error is not None:
            message, hint = describe_error(done.error)
            panel.show_correction(f"{message} {hint}".strip(), good=False)
        else:
            panel.show_correction(f"Added to the classifier “{done.result}” as an example of “{label}”; it is "
                                  "being retrained in the background.")
            self.profiles_changed.emit()

    def choose_name(self, outcome: Outcome) -> None:
        if self._pending is None or self._pending[0] is not outcome:
            return
        labels = outcome_labels(outcome)
        dialog = NewClassifierDialog(self.result, name=suggested_name(labels), labels=", ".join(labels),
                                     labels_fixed=True)
        if dialog.exec() == NewClassifierDialog.DialogCode.Accepted:
            self.create_and_correct(dialog.values()[0])

    def create_and_correct(self, name: str) -> None:
        """Create a classifier with the pending correction's labels, then add the correction to it."""
        if self._pending is None:
            return
        outcome, label = self._pending
        try:
            self.assistant.host.classifiers.create(name, outcome_labels(outcome))
        except Exception as err:  # e.g. the name is taken or invalid: say so, keep the offer open
            message, hint = describe_error(err)
            self.result.outcome.show_correction(f"{message} {hint}".strip(), good=False, offer_create=True)
            return
        self._pending = None
        self.profiles_changed.emit()
        self.correct(outcome, label)
