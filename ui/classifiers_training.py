"""The "Examples and training" tab of the Classifiers page: examples per label, add or remove them,
train with a progress bar (embedding runs in the thread pool), and the cross-validated figures."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.classifier_files import Profile
from app.classifiers import AddedExamples, read_examples
from app.errors import Cancelled
from app.task_types import FEW_EXAMPLES, MIN_EXAMPLES, CancelToken, TrainReport
from ui import plain_words
from ui.classifiers_common import Banner, caption, cell, section, table
from ui.file_dialogs import open_file
from ui.flow_layout import FlowLayout
from ui.formatting import local_time
from ui.page import scrolling
from ui.tables import fit_columns
from ui.worker import TaskDone, run_task

STAGES = {"embedding": "Embedding the examples on this device…", "fitting": "Fitting and calibrating…",
          "done": "Saving…"}


class ProgressRelay(QObject):
    """Lives in the GUI thread; ``moved`` emitted from a pool thread is queued to it."""

    moved = Signal(str, int, int)  # (stage, done, total)


def count_warnings(counts: dict[str, int]) -> list[str]:
    """What to tell the user about labels with too few examples (refused below MIN, shaky below FEW)."""
    notes = []
    for label, n in counts.items():
        if n < MIN_EXAMPLES:
            notes.append(f"“{label}” has {n} example{'' if n == 1 else 's'}: at least {MIN_EXAMPLES} are needed "
                         "to train.")
        elif n < FEW_EXAMPLES:
            notes.append(f"Only {n} examples for “{label}”: add more (at least {FEW_EXAMPLES}) for reliable figures.")
    return notes


def _keep_space(*widgets: QWidget) -> None:
    """Hidden widgets keep their place, so showing them (a training starts) moves nothing else."""
    for widget in widgets:
        policy = widget.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        widget.setSizePolicy(policy)


class TrainingTab(QWidget):
    changed = Signal()  # the profile was saved (examples or head)

    def __init__(self, assistant: Assistant, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.banner = banner
        self.profile: Profile | None = None
        self.busy = False
        self._cancel: CancelToken | None = None
        self.relay = ProgressRelay(self)
        self.relay.moved.connect(self._progress)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(18)
        layout.addLayout(self._examples_side(), 5)
        training = QWidget()
        training.setLayout(self._training_side())
        layout.addWidget(scrolling(training), 4)

    def _examples_side(self) -> QVBoxLayout:
        side = QVBoxLayout()
        side.addWidget(section("Examples per label"))
        self.labels = table(("Label", "Examples", "How often right"), "Examples per label")
        self.labels.itemSelectionChanged.connect(self._enable)
        fit_columns(self.labels, wrapping=(0,))  # a long label wraps (at 900×600 it was cut to "get_disposable_v…")
        header = self.labels.horizontalHeaderItem(2)
        if header is not None:
            header.setToolTip("Share of this label's examples the classifier gets right when it has not seen them "
                              "(cross-validated accuracy)")
        side.addWidget(self.labels, 1)
        row = FlowLayout()
        self.add_button = QPushButton("Add examples from file…")
        self.add_button.setToolTip("CSV with a text,label header, or JSONL with {\"text\", \"label\"} per line")
        self.add_button.clicked.connect(self.choose_examples_file)
        row.add(self.add_button)
        self.remove_button = QPushButton("Remove this label's examples")
        self.remove_button.setObjectName("danger")
        self.remove_button.clicked.connect(self._confirm_remove)
        row.add(self.remove_button)
        side.addLayout(row)
        return side

    def _training_side(self) -> QVBoxLayout:
        side = QVBoxLayout()
        side.addWidget(section("Training"))
        self.state = caption()
        self.state.setMinimumHeight(self.state.fontMetrics().lineSpacing() * 2)  # stays put as its text changes
        side.addWidget(self.state)
        self.figures = QLabel()
        self.figures.setObjectName("figures")
        self.figures.setWordWrap(True)
        self.figures.setAccessibleName("How good it is")
        side.addWidget(self.figures)
        self.details = caption()
        self.details.setAccessibleName("What the figures mean")
        side.addWidget(self.details)
        self.numbers_button = QPushButton("Show the numbers")
        self.numbers_button.setProperty("flat", True)
        self.numbers_button.setCheckable(True)
        self.numbers_button.setAccessibleName("Show the technical figures")
        self.numbers_button.toggled.connect(self._show_numbers)
        side.addWidget(self.numbers_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.numbers = caption()
        self.numbers.setAccessibleName("Technical figures")
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.numbers.hide()
        side.addWidget(self.numbers)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.progress.setAccessibleName("Training progress")
        side.addWidget(self.progress)
        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("primary")
        self.train_button.setToolTip("Embeds the examples with the local model and fits a calibrated classifier")
        self.train_button.clicked.connect(self.train)
        row.addWidget(self.train_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the training")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        side.addLayout(row)
        _keep_space(self.progress, self.cancel_button)
        self.progress.hide()
        self.warnings = QLabel()
        self.warnings.setObjectName("notice")
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("Warnings")
        side.addWidget(self.warnings)
        side.addStretch(1)
        return side

    # -- showing ------------------------------------------------------------------------------------
    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        counts = profile.counts() if profile else {}
        trained = profile.trained if profile else None
        per_label = trained.report.per_label if trained else {}
        self.labels.setRowCount(len(counts))
        for row, (label, n) in enumerate(counts.items()):
            figures = per_label.get(label)
            self.labels.setItem(row, 0, cell(label, tip=label))
            self.labels.setItem(row, 1, cell(str(n), right=True))
            self.labels.setItem(row, 2, cell(plain_words.percent(figures.cv_accuracy) if figures else "—", right=True,
                                             tip=f"{figures.cv_accuracy:.3f}" if figures else ""))
        self.figures.setText(plain_words.headline(trained.report) if trained else "Not trained yet")
        self.details.setText(plain_words.explanation(trained.report) if trained else
                             "Every label needs examples; training takes seconds and stays on this device.")
        self.details.setVisible(bool(profile))
        self.numbers.setText(plain_words.numbers(trained.report) if trained else "")
        self.numbers_button.setVisible(trained is not None)
        self.numbers.setVisible(trained is not None and self.numbers_button.isChecked())
        notes = count_warnings(counts)
        self.warnings.setText("\n".join(notes))
        self.warnings.setVisible(bool(notes))
        self._show_state()
        self._enable()

    def _show_state(self) -> None:
        profile = self.profile
        if profile is None:
            self.state.setText("Create or import a classifier to start.")
        elif profile.trained is None:
            self.state.setText(f"Revision {profile.revision}, not trained.")
        elif profile.stale:
            self.state.setText(f"Revision {profile.revision}. The examples changed since training "
                               f"({local_time(profile.trained.trained)}): train again for them to count.")
        else:
            self.state.setText(f"Revision {profile.revision}, trained {local_time(profile.trained.trained)} on "
                               f"{profile.trained.embedding.name}.")

    def _enable(self) -> None:
        """Each button only when it can do something: Train once every label has enough examples, Remove
        once a label with examples is selected."""
        has = self.profile is not None and not self.busy
        counts = self.profile.counts() if self.profile is not None else {}
        ready = bool(counts) and min(counts.values()) >= MIN_EXAMPLES
        self.add_button.setEnabled(has)
        self.train_button.setEnabled(has and ready)
        self.train_button.setToolTip("" if ready or not has else
                                     f"Every label needs at least {MIN_EXAMPLES} examples first")
        self.remove_button.setEnabled(has and counts.get(self.selected_label() or "", 0) > 0)
        self.cancel_button.setEnabled(self.busy)
        self.cancel_button.setVisible(self.busy)

    def _show_numbers(self, shown: bool) -> None:
        self.numbers.setVisible(shown and bool(self.numbers.text()))
        self.numbers_button.setText("Hide the numbers" if shown else "Show the numbers")

    # -- examples -----------------------------------------------------------------------------------
    def choose_examples_file(self) -> None:
        path = open_file(self, "Add examples", "Examples (*.csv *.jsonl *.ndjson)")
        if path is not None:
            self.add_examples_from(path)

    def add_examples_from(self, path: Path) -> None:
        if self.profile is None or self.busy:
            return
        name, store = self.profile.name, self.assistant.host.classifiers
        run_task(lambda: store.add_examples(name, read_examples(path)), lambda done: self._added(done, path))

    def _added(self, done: TaskDone[AddedExamples], path: Path) -> None:
        if done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("nothing was added"))
            return
        r = done.result
        self.banner.say(f"{path.name}: {r.added} examples added, {r.relabelled} relabelled, {r.unchanged} already "
                        "there. Train again for them to count.")
        self.changed.emit()

    def selected_label(self) -> str | None:
        row = self.labels.currentRow()
        item = self.labels.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def _confirm_remove(self) -> None:
        label = self.selected_label()
        if label is None:
            self.banner.say("Select a label in the table first.", good=False)
            return
        answer = QMessageBox.question(self, "Remove examples", f"Remove every example of “{label}”?")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_label_examples(label)

    def remove_label_examples(self, label: str) -> None:
        if self.profile is None:
            return
        texts = [e.text for e in self.profile.examples if e.label == label]
        try:
            removed = self.assistant.host.classifiers.remove_examples(self.profile.name, texts)
        except Exception as err:  # shown to the user; the file is unchanged
            self.banner.error(err)
            return
        self.banner.say(f"Removed {removed} examples of “{label}”.")
        self.changed.emit()

    # -- training -----------------------------------------------------------------------------------
    def train(self) -> None:
        if self.profile is None or self.busy:
            return
        name, host, emit = self.profile.name, self.assistant.host, self.relay.moved.emit
        cancel = self._cancel = CancelToken()
        self._set_busy(True)
        self.banner.clear_message()
        run_task(lambda: host.classifiers.train(name, host.embedder(), progress=emit, cancel=cancel),
                 self._trained)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.state.setText("Cancelling…")

    def _progress(self, stage: str, done: int, total: int) -> None:
        if not self.busy:
            return
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        suffix = f" {done} of {total}" if stage == "embedding" else ""
        self.state.setText(STAGES.get(stage, stage) + suffix)

    def _trained(self, done: TaskDone[tuple[Profile, TrainReport]]) -> None:
        self._set_busy(False)
        if isinstance(done.error, Cancelled):
            self.banner.say("Training cancelled; the classifier is as it was.", good=False)
        elif done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("training returned nothing"))
        else:
            report = done.result[1]
            self.banner.say(f"Trained “{done.result[0].name}”: {plain_words.headline(report).lower()} on examples "
                            "it had not seen.")
        self.changed.emit()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        if busy:
            self.progress.setRange(0, 0)  # moves while the embedding model loads
            self.state.setText("Loading the embedding model…")
        else:
            self._cancel = None
        self.progress.setVisible(busy)
        self._enable()
