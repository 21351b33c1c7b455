"""The Classifiers page: label sets taught by example, trained on this device, shared as one file.

The list shows every profile in the data folder (damaged files with their error); the tabs below work on
the selected one: examples and training (``ui.classifiers_training``), candidates from the cloud model and
"Label these first" (``ui.classifiers_learning``). Embedding, training, import and export run in the
thread pool (``ui.worker.run_task``); the GUI thread only shows the results.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from app.assistant import Assistant
from app.classifier_files import Profile
from app.classifiers import ClassifierStore, ProfileSummary
from ui.classifier_dialog import NewClassifierDialog
from ui.classifiers_common import cell, tip_headers
from ui.classifiers_learning import CandidatesTab, LabelFirstTab
from ui.classifiers_training import TrainingTab
from ui.plain_words import percent, points
from ui.profiles_page import ProfilesPage, state_text

COLUMNS = ("Classifier", "Labels", "Examples", "State", "How often right", "Confidence off by")
COLUMN_TIPS = {2: "Examples per label (fewest–most)",
               4: "Share of answers that were right on examples held out from training (cross-validated accuracy)",
               5: "How far its confidence is from how often it is actually right, on average (expected "
                  "calibration error, ECE, in percentage points)"}


def per_label_text(counts: dict[str, int]) -> str:
    values = list(counts.values())
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{low} each" if low == high else f"{low}–{high}"


class ClassifiersPage(ProfilesPage[Profile, ProfileSummary]):
    columns = COLUMNS

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(assistant, "Classifiers", "Teach a label set by example: a small classifier trained on "
                                                   "this device in seconds, on your own messages. It is a file you "
                                                   "own and can hand to your team.", parent)
        self.export_button.setToolTip("One file with the labels, the examples and the trained classifier")
        tip_headers(self.table, COLUMN_TIPS)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([120, 480])
        self.refresh()

    def store(self) -> ClassifierStore:
        return self.assistant.host.classifiers

    def _details(self) -> QTabWidget:
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

    def _fill_values(self, row: int, s: ProfileSummary) -> None:
        report = s.report
        values = (", ".join(s.labels), per_label_text(s.counts or {}), state_text(s),
                  percent(report.cv_accuracy) if report else "—", points(report.cv_ece) if report else "—")
        tips = {1: values[0], 3: f"Revision {s.revision}"}
        if report:
            tips.update({4: f"Cross-validated accuracy {report.cv_accuracy:.3f}", 5: f"ECE {report.cv_ece:.3f}"})
        for col, text in enumerate(values, start=1):
            self.table.setItem(row, col, cell(text, right=col >= 4, tip=tips.get(col, "")))

    def _show_profile(self) -> None:
        for tab in (self.training, self.candidates, self.label_first):
            tab.show_profile(self.profile)
        count = len(self.profile.candidates) if self.profile else 0
        self.tabs.setTabText(1, f"Candidates ({count})" if count else "Candidates")
        self.tabs.setEnabled(self.profile is not None)
        self.export_button.setEnabled(self.profile is not None)
        self.remove_button.setEnabled(self.profile is not None)

    def _contents(self, profile: Profile) -> str:
        return f"{len(profile.labels)} labels"

    # -- actions ------------------------------------------------------------------------------------
    def choose_new(self) -> None:
        dialog = NewClassifierDialog(self)
        if dialog.exec() == NewClassifierDialog.DialogCode.Accepted:
            self.create_profile(*dialog.values())

    def create_profile(self, name: str, labels: str | tuple[str, ...]) -> bool:
        parts = labels.split(",") if isinstance(labels, str) else list(labels)
        try:
            self.store().create(name, parts)
        except Exception as err:  # an invalid name or label set: say what to change
            self.banner.error(err)
            return False
        self.banner.say(f"Created “{name}”. Add examples for every label, then train it.")
        self.refresh()
        self.select(name)
        return True

    def cancel(self) -> None:
        """Stop a training in progress (the window is closing)."""
        self.training.cancel()
