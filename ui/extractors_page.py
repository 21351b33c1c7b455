"""The Extractors page: schemas taught by example (values marked in real messages), a span tagger trained
on this device, shared as one file.

The list shows every extractor profile (damaged files with their error); below it, the selected one's
fields with their examples and how well each is found on examples held back during training (precision,
recall and F1, cross-validated; said in words). "New extractor…" takes a JSON Schema file (or a ready-made
template), "Add examples…" a JSONL file; corrections made on the Assistant page ("This field
should be…") arrive as examples too. Reading the examples with the model and training run in the thread
pool (``ui.worker.run_task``) with a progress bar; the GUI thread only shows the results. The list, the
toolbar, import, export and remove are ``ui.profiles_page``'s.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.extractor_files import Profile
from app.extractor_learning import read_examples
from app.extractors import Cancelled, CancelToken, ExtractorStore, ExtractorSummary, TaggerReport
from ui.classifiers_common import caption, cell, section, table, tip_headers
from ui.classifiers_training import ProgressRelay
from ui.file_dialogs import open_file
from ui.profiles_page import ProfilesPage, state_text
from ui.worker import TaskDone, run_task

COLUMNS = ("Extractor", "Fields", "Examples", "State", "Revision", "Quality")
FIGURES = ("Field", "Examples with a value", "Right when given", "Found", "Quality")
HELD_BACK = "on examples held back during training"
COLUMN_TIPS = {5: f"How well it finds the values {HELD_BACK}, from 0 to 1 (1 is every value right; F1, "
                  "cross-validated)"}
FIGURE_TIPS = {2: f"Of the values it gave, the share that were right, {HELD_BACK} (precision)",
               3: f"Of the values written in the text, the share it found, {HELD_BACK} (recall)",
               4: "The two together, from 0 to 1 (F1)"}
STAGES = {"reading": "Reading the examples with the local model…", "fitting": "Fitting and calibrating the tagger…",
          "done": "Saving…"}


def _r(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


class ExtractorsPage(ProfilesPage[Profile, ExtractorSummary]):
    columns = COLUMNS

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(assistant, "Extractors", "Teach a schema by example: mark where each value is written in "
                                                  "real messages, and a small tagger is trained on this device. A "
                                                  "request with the same fields is then answered by it.", parent)
        self.busy = False
        self._cancel: CancelToken | None = None
        self.splitter.setSizes([140, 420])
        tip_headers(self.table, COLUMN_TIPS)
        tip_headers(self.figures, FIGURE_TIPS)
        self.refresh()

    def store(self) -> ExtractorStore:
        return self.assistant.host.extractors

    def _details(self) -> QWidget:
        self.relay = ProgressRelay(self)
        self.relay.moved.connect(self._progress)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(section(f"Fields, their examples, and how well each is found {HELD_BACK}"))
        self.figures = table(FIGURES, "Fields and figures", stretch=0)
        layout.addWidget(self.figures, 1)
        self.summary = caption()
        layout.addWidget(self.summary)
        actions = QHBoxLayout()
        self.add_button = QPushButton("Add examples…")
        self.add_button.setToolTip('A JSONL file: {"text": "...", "values": {"field": "as written in the text"}}')
        self.add_button.clicked.connect(self.choose_examples)
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("primary")
        self.train_button.clicked.connect(self.train)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for button in (self.add_button, self.train_button, self.cancel_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Training progress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.stage = caption()
        layout.addWidget(self.stage)
        return box

    def _fill_values(self, row: int, s: ExtractorSummary) -> None:
        f1 = _r(s.report.f1) if s.report else "—"
        values = (", ".join(s.fields), str(s.examples), state_text(s), str(s.revision), f1)
        for col, text in enumerate(values, start=1):
            self.table.setItem(row, col, cell(text, right=col >= 4))

    def _contents(self, profile: Profile) -> str:
        return f"{len(profile.fields)} fields"

    def _show_profile(self) -> None:
        p = self.profile
        counts = p.counts() if p else {}
        report = p.trained.report if p and p.trained and not p.stale else None
        self.figures.setRowCount(len(counts))
        for row, (name, n) in enumerate(counts.items()):
            figures = report.per_field.get(name) if report else None
            values = (name, str(n), _r(figures.precision) if figures else "—", _r(figures.recall) if figures else "—",
                      _r(figures.f1) if figures else "—")
            for col, text in enumerate(values):
                self.figures.setItem(row, col, cell(text, right=col >= 1))
        self.summary.setText(self._summary_text(p, report))
        for button in (self.export_button, self.remove_button, self.add_button):
            button.setEnabled(p is not None and not self.busy)
        self.train_button.setEnabled(p is not None and bool(p.examples) and not self.busy)  # nothing to learn from
        self.cancel_button.setEnabled(self.busy)

    @staticmethod
    def _summary_text(p: Profile | None, report: TaggerReport | None) -> str:
        if p is None:
            return "Create an extractor from a JSON Schema, or import one."
        if report is None:
            state = "Examples changed since training: train again." if p.stale else "Not trained yet."
            return f"{len(p.examples)} examples. {state}"
        return (f"{len(p.examples)} examples. Quality {HELD_BACK}: {_r(report.f1)} (F1 over {report.folds} rounds); "
                f"a value given where the text had none: {_r(report.hallucination_rate)} of the time. Trained in "
                f"{report.seconds:.1f} s.")

    # -- actions ------------------------------------------------------------------------------------
    def choose_new(self) -> None:
        path = open_file(self, "A JSON Schema for the new extractor", "JSON Schema (*.json);;All files (*)")
        if path is None:
            return
        name, ok = QInputDialog.getText(self, "New extractor", "Name (letters, digits, - _ .):",
                                        text=path.stem.split(".")[0])
        if ok and name.strip():
            self.create_profile(name.strip(), path)

    def create_profile(self, name: str, schema_path: Path) -> bool:
        try:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
            self.store().create(name, schema)
        except Exception as err:  # not JSON, a schema it cannot learn, a taken name: say what to change
            self.banner.error(err)
            return False
        self.banner.say(f"Created “{name}”. Add examples (at least 3 with a value for every field), then train it.")
        self.refresh()
        self.select(name)
        return True

    def choose_examples(self) -> None:
        path = open_file(self, "Examples", "JSON lines (*.jsonl *.ndjson);;All files (*)")
        if path is not None:
            self.add_examples(path)

    def add_examples(self, path: Path) -> None:
        if self.profile is None:
            return
        profile, store = self.profile, self.store()
        run_task(lambda: store.add_examples(profile.name, read_examples(path, profile)), self._added)

    def _added(self, done: TaskDone[object]) -> None:
        if done.error is not None:
            self.banner.error(done.error)
            return
        added = done.result
        self.banner.say(f"{getattr(added, 'added', 0)} examples added, {getattr(added, 'replaced', 0)} replaced. "
                        "Train the extractor for them to count.")
        self.refresh()

    def train(self) -> None:
        if self.profile is None or self.busy:
            return
        host, name = self.assistant.host, self.profile.name
        cancel = self._cancel = CancelToken()
        relay = self.relay
        self._set_busy(True)
        run_task(lambda: host.extractors.train(name, host.token_encoder(), cancel=cancel,
                                               progress=lambda s, d, t: relay.moved.emit(s, d, t)), self._trained)

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.stage.setText(STAGES.get(stage, stage))

    def _trained(self, done: TaskDone[tuple[Profile, TaggerReport]]) -> None:
        self._set_busy(False)
        if isinstance(done.error, Cancelled):
            self.banner.say("Training cancelled; the extractor is as it was.", good=False)
        elif done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("training failed"))
        else:
            profile, report = done.result
            self.banner.say(f"Trained “{profile.name}”: quality {HELD_BACK} {_r(report.f1)} (F1).")
        self.refresh()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.stage.setText(STAGES["reading"] if busy else "")
        if not busy:
            self._cancel = None
        self._show_profile()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
