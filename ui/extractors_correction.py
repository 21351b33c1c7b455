"""Learning from use on the Assistant page: "This field should be…" on an extract result.

The correction goes through ``Assistant.add_extraction_correction`` in the thread pool; the result view
then says which extractor profile got the example (one is created, named after the schema, when none has
the schema's fields) and that it counts once the extractor is trained again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.assistant import Assistant
from app.outcome import Outcome
from ui.explain import describe_error
from ui.result_view import ResultView
from ui.worker import TaskDone, run_task


class ExtractionCorrections(QObject):
    profiles_changed = Signal()

    def __init__(self, assistant: Assistant, result: ResultView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.result = result
        result.correct_field.connect(self.correct)

    def correct(self, outcome: Outcome, field: str, value: object) -> None:
        assistant = self.assistant
        self.result.outcome.show_correction(f"Keeping it as an example for “{field}”…")
        run_task(lambda: assistant.add_extraction_correction(outcome, field, value),
                 lambda done: self._added(done, outcome, field))

    def _added(self, done: TaskDone[str], outcome: Outcome, field: str) -> None:
        if self.result.current is not outcome:
            return  # another result is shown now
        panel = self.result.outcome
        if done.error is not None:
            message, hint = describe_error(done.error)
            panel.show_correction(f"{message} {hint}".strip(), good=False)
            return
        panel.show_correction(f"Kept as an example of the extractor “{done.result}”, with “{field}” corrected. "
                              "Train it again (Extractors page) for the correction to count.")
        self.profiles_changed.emit()
