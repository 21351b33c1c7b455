"""Learning from use on the Classifiers page: frontier answers kept as candidates (accept or reject), and
"Label these first": pasted messages ranked least confident first, to add as examples."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.assistant import Assistant
from app.classifier_files import Profile
from app.classifiers import Suggestion, suggest_for_labelling
from ui.classifiers_common import Banner, caption, cell, table
from ui.formatting import local_time, snippet
from ui.wheel import guard_wheel
from ui.worker import TaskDone, run_task


class ProfileTab(QWidget):
    """A tab below the classifier list: it works on the selected profile and says when it changed it."""

    changed = Signal()

    def __init__(self, assistant: Assistant, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.banner = banner
        self.profile: Profile | None = None


class CandidatesTab(ProfileTab):
    """Labels the cloud model gave escalated messages, kept (where policy allows) until accepted."""

    def __init__(self, assistant: Assistant, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(assistant, banner, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(caption("When Settings allow it (Learning: “Keep cloud answers as training examples”), the "
                                 "label the cloud model gave a message you sent is kept here. Accepted ones become "
                                 "examples."))
        self.table = table(("Message", "Label", "Kept"), "Candidate examples")
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.accept = QPushButton("Accept selected")
        self.accept.clicked.connect(lambda: self.decide(True, self.selected()))
        self.reject = QPushButton("Reject selected")
        self.reject.clicked.connect(lambda: self.decide(False, self.selected()))
        self.accept_all = QPushButton("Accept all")
        self.accept_all.clicked.connect(lambda: self.decide(True, None))
        for button in (self.accept, self.reject, self.accept_all):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)

    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        candidates = profile.candidates if profile else ()
        self.table.setRowCount(len(candidates))
        for r, c in enumerate(candidates):
            item = cell(snippet(c.text, 120), tip=c.text)
            item.setData(Qt.ItemDataRole.UserRole, c.text)
            self.table.setItem(r, 0, item)
            self.table.setItem(r, 1, cell(c.label))
            self.table.setItem(r, 2, cell(local_time(c.created)))
        for button in (self.accept, self.reject, self.accept_all):
            button.setEnabled(bool(candidates))

    def selected(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        items = [self.table.item(r, 0) for r in rows]
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]

    def decide(self, accept: bool, texts: list[str] | None) -> None:
        if self.profile is None or texts == []:
            return
        store, name = self.assistant.host.classifiers, self.profile.name
        try:
            n = store.accept_candidates(name, texts) if accept else store.reject_candidates(name, texts)
        except Exception as err:  # shown to the user; nothing changed
            self.banner.error(err)
            return
        verb = "added as examples" if accept else "rejected"
        self.banner.say(f"{n} candidate{'' if n == 1 else 's'} {verb}." + (" Train again for them to count."
                                                                          if accept else ""))
        self.changed.emit()


class LabelFirstTab(ProfileTab):
    """Paste messages; the ones the classifier is least sure of come first, with a label to add them as."""

    def __init__(self, assistant: Assistant, banner: Banner, parent: QWidget | None = None) -> None:
        super().__init__(assistant, banner, parent)
        self.suggestions: list[Suggestion] = []
        self.busy = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        left = QVBoxLayout()
        left.addWidget(caption("Paste messages, one per line. The ones the classifier is least sure of are "
                               "listed first: labelling those teaches it the most."))
        self.paste = QPlainTextEdit()
        self.paste.setAccessibleName("Messages to rank")
        self.paste.setPlaceholderText("One message per line")
        left.addWidget(self.paste, 1)
        self.rank_button = QPushButton("Rank by confidence")
        self.rank_button.clicked.connect(self.rank)
        self.paste.textChanged.connect(self._update_rank)
        left.addWidget(self.rank_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(left, 2)
        right = QVBoxLayout()
        self.table = table(("Message", "Guess", "Confidence", "Label as"), "Messages to label", stretch=0)
        right.addWidget(self.table, 1)
        self.add_button = QPushButton("Add selected as examples")
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(lambda: self.add_rows(self.selected_rows()))
        right.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(right, 3)

    def show_profile(self, profile: Profile | None) -> None:
        if profile is None or self.profile is None or profile.name != self.profile.name:
            self._show([])
        self.profile = profile
        self._update_rank()

    def _update_rank(self) -> None:
        """Ranking needs a trained classifier and something pasted to rank."""
        trained = self.profile is not None and self.profile.trained is not None
        self.rank_button.setEnabled(trained and not self.busy and bool(self.paste.toPlainText().strip()))
        self.rank_button.setToolTip("" if trained else "Train the classifier first")

    def rank(self) -> None:
        if self.profile is None or self.busy:
            return
        profile, host = self.profile, self.assistant.host
        texts = self.paste.toPlainText().splitlines()
        self.busy = True
        self.rank_button.setEnabled(False)
        self.rank_button.setText("Ranking on this device…")
        run_task(lambda: suggest_for_labelling(profile, texts, host.embedder()), self._ranked)

    def _ranked(self, done: TaskDone[list[Suggestion]]) -> None:
        self.busy = False
        self.rank_button.setText("Rank by confidence")
        self._update_rank()
        if done.error is not None:
            self.banner.error(done.error)
            return
        self._show(done.result or [])

    def _show(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = suggestions
        self.table.setRowCount(len(suggestions))
        labels = list(self.profile.labels) if self.profile else []
        for r, s in enumerate(suggestions):
            self.table.setItem(r, 0, cell(snippet(s.text, 70), tip=s.text))
            self.table.setItem(r, 1, cell(s.predicted))
            self.table.setItem(r, 2, cell(f"{s.confidence:.2f}", right=True))
            picker = QComboBox()
            picker.addItems(labels)
            picker.setCurrentText(s.predicted)
            picker.setAccessibleName(f"Label for message {r + 1}")
            guard_wheel(picker)
            self.table.setCellWidget(r, 3, picker)
        self.add_button.setEnabled(bool(suggestions))

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def picker(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, 3)
        assert isinstance(widget, QComboBox)
        return widget

    def add_rows(self, rows: list[int]) -> None:
        if self.profile is None or not rows:
            self.banner.say("Select the messages to add first.", good=False)
            return
        pairs = [(self.suggestions[r].text, self.picker(r).currentText()) for r in rows]
        try:
            added = self.assistant.host.classifiers.add_examples(self.profile.name, pairs)
        except Exception as err:  # shown to the user; nothing changed
            self.banner.error(err)
            return
        self.banner.say(f"{added.added + added.relabelled} examples added. Train again for them to count.")
        self._show([s for i, s in enumerate(self.suggestions) if i not in rows])
        self.changed.emit()
