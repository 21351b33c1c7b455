"""The Classifiers page: label sets taught by example, trained on this device, shared as one file.

The list shows every profile in the data folder (damaged files with their error); the tabs below work on
the selected one: examples and training (``ui.classifiers_training``), candidates from the cloud model and
"Label these first" (``ui.classifiers_learning``). Embedding, training, import and export run in the
thread pool (``ui.worker.run_task``); the GUI thread only shows the results.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.classifier_files import Profile
from app.classifiers import ProfileSummary
from app.errors import InputInvalid
from ui.classifier_dialog import NewClassifierDialog
from ui.classifiers_common import Banner, cell, table
from ui.classifiers_learning import CandidatesTab, LabelFirstTab
from ui.classifiers_training import TrainingTab
from ui.file_dialogs import open_file, save_file
from ui.page import page_header
from ui.plain_words import percent, points
from ui.worker import TaskDone, run_task

COLUMNS = ("Classifier", "Labels", "Examples", "State", "How often right", "Confidence off by")
COLUMN_TIPS = {2: "Examples per label (fewest–most)",
               4: "Share of answers that were right on examples held out from training (cross-validated accuracy)",
               5: "How far its confidence is from how often it is actually right, on average (expected "
                  "calibration error, ECE, in percentage points)"}
DAMAGED = QColor("#b91c1c")
FILE_FILTER = "Inhouse classifier (*.json)"


def per_label_text(counts: dict[str, int]) -> str:
    values = list(counts.values())
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{low} each" if low == high else f"{low}–{high}"


def state_text(s: ProfileSummary) -> str:
    if s.error is not None:
        return "Damaged"
    if not s.trained:
        return "Not trained"
    return "Examples changed" if s.stale else "Trained"


class ClassifiersPage(QWidget):
    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.summaries: list[ProfileSummary] = []
        self.profile: Profile | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        page_header(layout, "Classifiers", "Teach a label set by example: a small classifier trained on this "
                                           "device in seconds, on your own messages. It is a file you own and "
                                           "can hand to your team.")
        self.banner = Banner()
        layout.addWidget(self.banner)
        layout.addLayout(self._toolbar())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        self.table = table(COLUMNS, "Classifiers", stretch=1)
        for col, tip in COLUMN_TIPS.items():
            header = self.table.horizontalHeaderItem(col)
            if header is not None:
                header.setToolTip(tip)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        splitter.addWidget(self.table)
        splitter.addWidget(self._tabs())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([120, 480])
        layout.addWidget(splitter, 1)
        self.refresh()

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        buttons = (("New classifier…", self.choose_new), ("Import…", self.choose_import),
                   ("Export…", self.choose_export), ("Remove", self.confirm_remove))
        self.new_button, self.import_button, self.export_button, self.remove_button = (
            QPushButton(title) for title, _ in buttons)
        for button, (_, slot) in zip((self.new_button, self.import_button, self.export_button, self.remove_button),
                                     buttons, strict=True):
            button.clicked.connect(slot)
            row.addWidget(button)
        self.remove_button.setObjectName("danger")
        self.export_button.setToolTip("One file with the labels, the examples and the trained classifier")
        row.addStretch(1)
        return row

    def _tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("The selected classifier")
        self.training = TrainingTab(self.assistant, self.banner)
        self.candidates = CandidatesTab(self.assistant, self.banner)
        self.label_first = LabelFirstTab(self.assistant, self.banner)
        self.tabs.addTab(self.training, "Examples and training")
        self.tabs.addTab(self.candidates, "Candidates")
        self.tabs.addTab(self.label_first, "Label these first")
        for tab in (self.training, self.candidates, self.label_first):
            tab.changed.connect(self.refresh)
        return self.tabs

    # -- the list -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the profiles again (keeping the selection); the first one is selected if none was."""
        keep = self.selected_name()
        self.summaries = self.assistant.host.classifiers.summaries()
        self.table.blockSignals(True)
        self.table.clearSpans()
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            self._fill_row(row, s)
        self.table.blockSignals(False)
        names = [s.name for s in self.summaries]
        self.select(keep if keep in names else next((s.name for s in self.summaries if s.error is None), None))

    def _fill_row(self, row: int, s: ProfileSummary) -> None:
        self.table.setItem(row, 0, cell(s.name, tip=s.fingerprint and f"id {s.fingerprint[:12]}"))
        if s.error is not None:
            error = cell(s.error, tip=s.error)
            error.setForeground(DAMAGED)
            self.table.setItem(row, 1, error)
            self.table.setSpan(row, 1, 1, len(COLUMNS) - 1)
            return
        report = s.report
        values = (", ".join(s.labels), per_label_text(s.counts or {}), state_text(s),
                  percent(report.cv_accuracy) if report else "—", points(report.cv_ece) if report else "—")
        tips = {1: values[0], 3: f"Revision {s.revision}"}
        if report:
            tips.update({4: f"Cross-validated accuracy {report.cv_accuracy:.3f}", 5: f"ECE {report.cv_ece:.3f}"})
        for col, text in enumerate(values, start=1):
            self.table.setItem(row, col, cell(text, right=col >= 4, tip=tips.get(col, "")))

    def select(self, name: str | None) -> None:
        rows = [r for r, s in enumerate(self.summaries) if s.name == name]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.table.clearSelection()
        self._selection_changed()

    def selected_name(self) -> str | None:
        row = self.table.currentRow() if self.table.selectedItems() else -1
        return self.summaries[row].name if 0 <= row < len(self.summaries) else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        summary = next((s for s in self.summaries if s.name == name), None)
        self.profile = None
        if summary is not None and summary.error is None:
            try:
                self.profile = self.assistant.host.classifiers.get(summary.name)
            except Exception as err:  # changed on disk since the list was read
                self.banner.error(err)
        for tab in (self.training, self.candidates, self.label_first):
            tab.show_profile(self.profile)
        count = len(self.profile.candidates) if self.profile else 0
        self.tabs.setTabText(1, f"Candidates ({count})" if count else "Candidates")
        self.tabs.setEnabled(self.profile is not None)
        self.export_button.setEnabled(self.profile is not None)
        self.remove_button.setEnabled(self.profile is not None)

    # -- actions ------------------------------------------------------------------------------------
    def choose_new(self) -> None:
        dialog = NewClassifierDialog(self)
        if dialog.exec() == NewClassifierDialog.DialogCode.Accepted:
            self.create_profile(*dialog.values())

    def create_profile(self, name: str, labels: str | tuple[str, ...]) -> bool:
        parts = labels.split(",") if isinstance(labels, str) else list(labels)
        try:
            self.assistant.host.classifiers.create(name, parts)
        except Exception as err:  # an invalid name or label set: say what to change
            self.banner.error(err)
            return False
        self.banner.say(f"Created “{name}”. Add examples for every label, then train it.")
        self.refresh()
        self.select(name)
        return True

    def choose_import(self) -> None:
        path = open_file(self, "Import a classifier", FILE_FILTER + ";;All files (*)")
        if path is not None:
            self.import_path(path, ask_to_replace=True)

    def import_path(self, path: Path, *, replace: bool = False, ask_to_replace: bool = False) -> None:
        store = self.assistant.host.classifiers
        run_task(lambda: store.import_file(path, replace_existing=replace),
                 lambda done: self._imported(done, path, ask_to_replace))

    def _imported(self, done: TaskDone[Profile], path: Path, ask_to_replace: bool) -> None:
        if done.error is not None or done.result is None:
            clash = isinstance(done.error, InputInvalid) and "already exists" in str(done.error)
            if clash and ask_to_replace and QMessageBox.question(
                    self, "Import", f"{done.error}\nReplace it with the one in {path.name}?",
            ) == QMessageBox.StandardButton.Yes:
                self.import_path(path, replace=True)
                return
            self.banner.error(done.error or RuntimeError("nothing was imported"))
            return
        p = done.result
        trained = f"trained, id {p.trained.fingerprint[:12]}" if p.trained else "not trained"
        self.banner.say(f"Imported “{p.name}” from {path.name}: {len(p.labels)} labels, {len(p.examples)} "
                        f"examples, {trained}.")
        self.refresh()
        self.select(p.name)

    def choose_export(self) -> None:
        if self.profile is None:
            return
        path = save_file(self, "Export the classifier", f"{self.profile.name}.inhouse-classifier.json", FILE_FILTER)
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        if self.profile is None:
            return
        name, store = self.profile.name, self.assistant.host.classifiers
        run_task(lambda: store.export(name, path), self._exported)

    def _exported(self, done: TaskDone[Path]) -> None:
        if done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("nothing was exported"))
        else:
            self.banner.say(f"Exported to {done.result}. Import it on another device to get the same classifier.")

    def confirm_remove(self) -> None:
        name = self.selected_name()
        if name and QMessageBox.question(self, "Remove", f"Remove the classifier “{name}” and its examples? "
                                         "Export it first to keep a copy.") == QMessageBox.StandardButton.Yes:
            self.remove_profile(name)

    def remove_profile(self, name: str) -> None:
        try:
            self.assistant.host.classifiers.remove(name)
        except Exception as err:  # e.g. already gone
            self.banner.error(err)
            return
        self.banner.say(f"Removed “{name}”.")
        self.refresh()

    def cancel(self) -> None:
        """Stop a training in progress (the window is closing)."""
        self.training.cancel()
