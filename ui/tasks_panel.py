"""The left-hand side of the Assistant page: task switcher, task options, input text, Run and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import InputInvalid
from app.task_types import TASK_NAMES, TaskName, TaskRequest, TaskSpec
from ui.elided import ElidedLabel
from ui.explain import error_text
from ui.file_dialogs import open_file
from ui.formatting import TASK_TITLES
from ui.input_box import InputBox, file_filter, read_input_file
from ui.spec_editors import LabelsEditor, SchemaEditor, SummaryOptions
from ui.ui_state import UiState

TASK_HINTS: dict[TaskName, str] = {
    "classify": "Choose the one label that fits the text best.",
    "extract": "Pull out fields as JSON that follows a schema.",
    "summarize": "Shorten the text, keeping what matters.",
}


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class TaskPanel(QFrame):
    run_requested = Signal()
    cancel_requested = Signal()
    context_changed = Signal()  # another task or schema template: an answer on screen no longer fits

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        layout.addLayout(self._task_switcher())
        self.hint = QLabel()
        self.hint.setObjectName("caption")
        layout.addWidget(self.hint)
        self.labels, self.schema, self.summary = LabelsEditor(), SchemaEditor(), SummaryOptions()
        self.editors: tuple[LabelsEditor, SchemaEditor, SummaryOptions] = (self.labels, self.schema, self.summary)
        for editor in self.editors:  # only the current task's editor is shown (and takes space)
            layout.addWidget(editor, 3 if editor is self.schema else 0)  # schema and text share the height
            editor.changed.connect(self._update_run)
        self.schema.template_changed.connect(self.context_changed)
        layout.addLayout(self._text_header())
        self.input = InputBox()
        self.input.textChanged.connect(self._text_changed)
        self.input.file_dropped.connect(self.load_file)
        layout.addWidget(self.input, 3)
        self.input_error = QLabel()
        self.input_error.setObjectName("inputError")
        self.input_error.setWordWrap(True)
        self.input_error.hide()
        layout.addWidget(self.input_error)
        layout.addLayout(self._buttons())
        self._busy = False
        self._shown: TaskName = "classify"
        self.set_task("classify")

    # -- building ---------------------------------------------------------------------------------
    def _task_switcher(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(0)
        self.task_buttons = QButtonGroup(self)
        self.task_buttons.setExclusive(True)
        for i, name in enumerate(TASK_NAMES):
            button = QPushButton(TASK_TITLES[name])
            button.setCheckable(True)
            button.setObjectName("segment")
            button.setProperty("position", "first" if i == 0 else "last" if i == len(TASK_NAMES) - 1 else "mid")
            button.setAccessibleName(f"{TASK_TITLES[name]} task")
            button.setToolTip(f"{TASK_HINTS[name]} (Alt+{i + 1})")
            button.clicked.connect(lambda _=False, n=name: self.choose_task(n))
            self.task_buttons.addButton(button, i)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _text_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(_heading("Text"))
        self.count = QLabel()
        self.count.setObjectName("caption")
        row.addWidget(self.count)
        row.addStretch(1)
        self.open_button = QPushButton("Open file…")
        self.open_button.setToolTip("Open a PDF, Word, e-mail, web page or text file (Ctrl+O)")
        self.open_button.setAccessibleName("Open a document")
        self.open_button.clicked.connect(self.choose_file)
        row.addWidget(self.open_button)
        return row

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state = ElidedLabel()
        self.state.setObjectName("caption")
        self.state.setAccessibleName("Run state")
        row.addWidget(self.state, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the run")
        self.cancel_button.setToolTip("Stop the model (Esc)")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.cancel_button)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("primary")
        self.run_button.setAccessibleName("Run the task")
        self.run_button.setToolTip("Run on this device (Ctrl+Enter)")
        self.run_button.clicked.connect(self.run_requested)
        self.run_button.setText("Working…")  # wide enough for both texts, so nothing moves when a run starts
        self.run_button.setMinimumWidth(self.run_button.sizeHint().width())
        self.run_button.setText("Run")
        row.addWidget(self.run_button)
        return row

    # -- state ------------------------------------------------------------------------------------
    def task(self) -> TaskName:
        return TASK_NAMES[max(0, self.task_buttons.checkedId())]

    def choose_task(self, task: TaskName) -> None:
        """The user picked ``task`` (a button or Alt+1..3): show its options; an answer on screen is stale."""
        if self._busy:
            return
        changed = task != self._shown  # a clicked button is already checked: compare with the task shown
        self.set_task(task)
        if changed:
            self.context_changed.emit()

    def set_task(self, task: TaskName) -> None:
        self._shown = task
        index = TASK_NAMES.index(task)
        button = self.task_buttons.button(index)
        button.setChecked(True)
        for i, editor in enumerate(self.editors):
            editor.setVisible(i == index)
        self.hint.setText(TASK_HINTS[task])
        self._update_run()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)

    def text(self) -> str:
        return self.input.toPlainText()

    def editor(self) -> LabelsEditor | SchemaEditor | SummaryOptions:
        return self.editors[TASK_NAMES.index(self.task())]

    def spec(self) -> TaskSpec:
        return self.editor().spec()

    def problem(self) -> str:
        """Why Run cannot start now, or ""."""
        if not self.text().strip():
            return "Enter or drop some text first."
        return self.editor().problem()

    def request(self) -> TaskRequest:
        problem = self.problem()
        if problem:
            raise InputInvalid(problem)
        return TaskRequest(text=self.text(), spec=self.spec())

    def set_busy(self, busy: bool, state: str = "") -> None:
        self._busy = busy
        if busy:
            self.input_error.hide()  # an old file error says nothing about this run
        for button in self.task_buttons.buttons():
            button.setEnabled(not busy)
        for editor in self.editors:
            editor.setEnabled(not busy)
        self.open_button.setEnabled(not busy)
        self.input.setReadOnly(busy)
        self.cancel_button.setEnabled(busy)
        self.run_button.setText("Working…" if busy else "Run")
        self.state.set_text(state)
        self._update_run()

    def _update_run(self) -> None:
        problem = self.problem()
        self.run_button.setEnabled(not self._busy and not problem)
        self.run_button.setToolTip(problem or "Run on this device (Ctrl+Enter)")

    def _text_changed(self) -> None:
        words = len(self.text().split())
        self.count.setText(f"{words} word{'' if words == 1 else 's'}" if words else "")
        self.input_error.hide()
        self._update_run()

    # -- files ------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = open_file(self, "Open a document", file_filter())
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Path) -> None:
        if self._busy:
            return
        try:
            document = read_input_file(path)
        except InputInvalid as err:
            self.input_error.setText(error_text(err))
            self.input_error.show()
            return
        self.set_text(document.text)
        self.state.set_text(" ".join((f"Opened {path.name}.", *document.notes)))

    # -- remembered between starts ------------------------------------------------------------------
    def save_state(self, state: UiState) -> None:
        state.set("assistant/task", self.task())
        state.set("assistant/labels", self.labels.labels.toPlainText())
        self.schema.save_state(state)
        state.set("assistant/summary_words", self.summary.words.value())

    def restore_state(self, state: UiState) -> None:
        task = state.text("assistant/task", "classify")
        labels = state.text("assistant/labels")
        if labels.strip():
            self.labels.labels.setPlainText(labels)
        self.schema.restore_state(state)
        self.summary.words.setValue(state.number("assistant/summary_words", self.summary.words.value()))
        self.set_task(next((t for t in TASK_NAMES if t == task), "classify"))
