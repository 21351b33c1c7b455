"""The Batch page: one task over a folder, a set of files or a mailbox, with progress, pause, resume, cancel.

Inputs are dropped on the page or added with the buttons; the task's settings use the same editors as the
Assistant page. The run happens in the thread pool (``ui.worker``) through ``app.batch.run_batch`` into a
job folder (``app.batch_jobs``), so a crash or a closed window can be resumed. An answer that would need
the user's consent is never sent from here: it waits in the offline queue (or keeps its local answer, as
the user chose). The page says what will happen to answers below the threshold as things stand (policy,
key, reachability), from the pure ``router.decide`` on the device's next tier, never from reason words.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import batch_jobs
from app.assistant import Assistant
from app.batch import BatchControl, BatchProgress, BatchReport, BatchSource, Escalation, run_batch
from app.batch_export import export
from app.batch_jobs import BatchJob
from app.inputs import accepted_suffixes
from app.router import AllowedBy, Decision, DecisionKind, RouterState, decide
from app.task_types import TASK_NAMES, TaskName, TaskSpec
from ui.batch_results import NOT_QUEUED, ResultsTable, progress_text
from ui.classifiers_common import Banner, caption, section
from ui.file_dialogs import open_files, open_folder, save_file
from ui.formatting import TASK_TITLES
from ui.page import page_header
from ui.spec_editors import LabelsEditor, SchemaEditor, SummaryOptions
from ui.worker import TaskDone, run_task

LATER = (("later", "Keep them for later (offline queue)"), ("no", "Keep the local answer"))
INTRO = "Run one task over a folder, documents or a mailbox, on this device."


def below_threshold(decision: Decision, escalation: Escalation, task: str) -> str:
    """What a batch does with an answer below the device's threshold, from the router's typed decision for
    the next tier (``escalation``: the page's choice, "later" or "no")."""
    nxt = decision.next_name or "the next tier"
    if decision.kind is DecisionKind.ACCEPT:
        return "Every answer is kept here: no other tier is set up." if decision.next_tier is None else \
            "Every answer is kept here: the threshold for this task is 0."
    if decision.kind is DecisionKind.DENY:
        why = NOT_QUEUED.get(decision.deny.value if decision.deny else "", "your policy does not allow it")
        return f"Answers below your threshold keep their local answer: {why}, so nothing is sent or queued."
    if decision.kind is DecisionKind.QUEUE:
        return f"Answers below your threshold wait in the queue: {nxt} cannot be reached now."
    if decision.kind is DecisionKind.NEXT_TIER:
        words = {AllowedBy.ADMIN_NO_CONSENT: " without asking, by your administrator's policy",
                 AllowedBy.ADMIN_AUTO: " automatically, by your administrator's policy",
                 AllowedBy.SESSION: f", as you allowed {task} requests for this session"}
        why = words[decision.allowed_by] if decision.allowed_by else ""
        return f"Answers below your threshold are sent to {nxt}{why}."
    if escalation == "later":
        return f"Answers below your threshold wait in the queue for your consent before anything goes to {nxt}."
    return "Answers below your threshold keep their local answer; nothing is sent or queued."


class _Relay(QObject):
    """Carries progress from the worker thread to the page (a queued connection)."""

    moved = Signal(object)


class BatchPage(QWidget):
    finished = Signal(object)  # BatchReport, after a run ends (the window refreshes the queue count)

    def __init__(self, assistant: Assistant, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.setAcceptDrops(True)
        self.job: BatchJob | None = None
        self.control: BatchControl | None = None
        self.relay = _Relay()
        self.relay.moved.connect(self._progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.subtitle = page_header(layout, "Batch", INTRO)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setAccessibleName("Resume the unfinished batch")
        self.resume_button.clicked.connect(self.resume)
        self.resume_button.hide()
        layout.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignLeft)
        body = QHBoxLayout()
        body.addWidget(self._settings_card(), 0)
        body.addLayout(self._results_column(), 1)
        layout.addLayout(body, 1)
        self.set_task("classify")
        self.refresh()

    # -- building ---------------------------------------------------------------------------------
    def _settings_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(360)  # at 900×600 the results beside it need ~300 px for their titles (and a scroll bar)
        col = QVBoxLayout(card)
        col.setContentsMargins(16, 14, 16, 14)
        col.addWidget(section("Folder, files or mailbox"))
        row = QHBoxLayout()
        for title, slot in (("Add folder…", self.choose_folder), ("Add files…", self.choose_files),
                            ("Clear", self.clear_inputs)):
            button = QPushButton(title)
            button.clicked.connect(slot)
            row.addWidget(button)
        self.clear_button = button  # the last: offered only when there is something to clear
        col.addLayout(row)
        self.inputs = QListWidget()
        self.inputs.setAccessibleName("Folders and files to run over")
        self.inputs.setMaximumHeight(90)
        col.addWidget(self.inputs)
        self.count = caption("Drop a folder, documents or an .mbox here.")
        col.addWidget(self.count)
        col.addWidget(section("Task"))
        self.task_box = QComboBox()
        self.task_box.setAccessibleName("Task")
        for name in TASK_NAMES:
            self.task_box.addItem(TASK_TITLES[name], name)
        self.task_box.currentIndexChanged.connect(lambda i: self.set_task(TASK_NAMES[i]))
        col.addWidget(self.task_box)
        self.labels, self.schema, self.summary = LabelsEditor(), SchemaEditor(), SummaryOptions()
        for editor in (self.labels, self.schema, self.summary):
            col.addWidget(editor)
            editor.changed.connect(self._update_buttons)
        col.addWidget(section("Answers below the threshold"))
        self.later = QComboBox()
        self.later.setAccessibleName("What to do with low-confidence answers")
        for value, title in LATER:
            self.later.addItem(title, value)
        self.later.currentIndexChanged.connect(lambda _i: self.say_what_happens())
        col.addWidget(self.later)
        col.addStretch(1)
        col.addLayout(self._run_row())
        return card

    def _run_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop now; the results so far are kept")
        self.cancel_button.clicked.connect(self.cancel)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Stop after the current item; Resume carries on")
        self.pause_button.clicked.connect(self.pause)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("primary")
        self.run_button.setAccessibleName("Run the batch")
        self.run_button.clicked.connect(self.start)
        for button in (self.cancel_button, self.pause_button, self.run_button):
            row.addWidget(button)
        return row

    def _results_column(self) -> QVBoxLayout:
        col = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(section("Results"))
        top.addStretch(1)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the results as CSV, JSONL or Excel (.xlsx)")
        self.export_button.clicked.connect(self.choose_export)
        top.addWidget(self.export_button)
        col.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Batch progress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        col.addWidget(self.progress)
        self.state = caption()
        col.addWidget(self.state)
        self.results = ResultsTable()
        col.addWidget(self.results, 1)
        return col

    # -- state ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.control is not None

    def task(self) -> TaskName:
        return TASK_NAMES[max(0, self.task_box.currentIndex())]

    def set_task(self, task: TaskName) -> None:
        self.task_box.setCurrentIndex(TASK_NAMES.index(task))
        for name, editor in zip(TASK_NAMES, (self.labels, self.schema, self.summary), strict=True):
            editor.setVisible(name == task)
        self._update_buttons()
        self.say_what_happens()

    def escalation(self) -> Escalation:
        return "later" if self.later.currentData() == "later" else "no"

    def next_tier_decision(self) -> Decision:
        """The router's decision for an answer of confidence 0 from this device, as things stand now (the key
        store is read only when the answer could leave, as in ``Assistant._walk``)."""
        assistant, task = self.assistant, self.task()
        ladder = assistant.tiers()
        device, nxt = ladder[0], ladder[1] if len(ladder) > 1 else None
        if nxt is None:
            return decide(task, 0.0, device, None, RouterState(0.0, 0.0, has_api_key=False, online=True))
        spent = assistant.month_spend() if nxt.monthly_budget_usd is not None and not assistant.store_problem \
            else 0.0
        state = RouterState(spent, 0.0, has_api_key=True, online=nxt.kind not in assistant.unreachable,
                            session_allowed_tasks=frozenset(t for k, t in assistant.session_allowed if k is nxt.kind),
                            audit_available=not assistant.store_problem)
        decision = decide(task, 0.0, device, nxt, state)
        if nxt.needs_key and decision.kind in (DecisionKind.ASK, DecisionKind.NEXT_TIER, DecisionKind.QUEUE):
            decision = decide(task, 0.0, device, nxt, replace(state, has_api_key=bool(assistant.key_source(nxt.kind))))
        return decision

    def say_what_happens(self) -> None:
        """The line under the title: what happens to answers below the threshold, as things stand."""
        text = below_threshold(self.next_tier_decision(), self.escalation(), self.task())
        self.subtitle.setText(f"{INTRO} {text}")

    def editor(self) -> LabelsEditor | SchemaEditor | SummaryOptions:
        return (self.labels, self.schema, self.summary)[TASK_NAMES.index(self.task())]

    def spec(self) -> TaskSpec:
        return self.editor().spec()

    def paths(self) -> list[Path]:
        return [Path(self.inputs.item(i).text()) for i in range(self.inputs.count())]

    def problem(self) -> str:
        if not self.paths():
            return "Add a folder, files or a mailbox."
        return self.editor().problem()

    def _update_buttons(self) -> None:
        busy = self.busy
        self.run_button.setEnabled(not busy and not self.problem())
        self.run_button.setToolTip(self.problem() or "Run on this device")
        self.pause_button.setEnabled(busy)
        self.cancel_button.setEnabled(busy)
        self.clear_button.setEnabled(not busy and self.inputs.count() > 0)
        self.export_button.setEnabled(not busy and self.job is not None and self.job.results.exists())
        self.resume_button.setEnabled(not busy)

    def refresh(self) -> None:
        """Offer the newest unfinished batch (after a crash, a closed window or a pause) for resuming."""
        if self.busy:
            return
        self.say_what_happens()  # the policy, the key or the network may have changed since
        job = batch_jobs.unfinished()
        if job is None:
            self.resume_button.hide()
            if not self.banner.good:
                self.banner.clear_message()
            return
        self.banner.say(f"An unfinished batch: {job.title}, {job.done()} of {job.total} done. Resume carries on "
                        "where it stopped.", good=True)
        self.resume_button.show()
        self._pending_job = job

    # -- inputs -----------------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        known = set(self.paths())
        for path in paths:
            if path not in known:
                self.inputs.addItem(str(path))
                known.add(path)
        self._count_items()
        self._update_buttons()

    def clear_inputs(self) -> None:
        self.inputs.clear()
        self._count_items()
        self._update_buttons()

    def _count_items(self) -> None:
        paths = self.paths()
        if not paths:
            self.count.setText("Drop a folder, documents or an .mbox here.")
            return
        try:
            total = BatchSource(paths).count()
        except Exception as err:  # noqa: BLE001 - shown to the user, the list stays as it was
            self.count.setText(str(err))
            return
        self.count.setText(f"{total} item{'' if total == 1 else 's'} to run")

    def choose_folder(self) -> None:
        folder = open_folder(self, "Add a folder")
        if folder is not None:
            self.add_paths([folder])

    def choose_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in accepted_suffixes())
        self.add_paths(open_files(self, "Add documents", f"Documents ({patterns});;All files (*)"))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- running ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self.busy or self.problem():
            return
        paths = self.paths()
        try:
            total = BatchSource(paths).count()
        except Exception as err:  # noqa: BLE001 - an unreadable input is shown, nothing starts
            self.banner.error(err)
            return
        self.job = batch_jobs.create(paths, self.spec(), self.escalation(), total)
        self.results.clear_rows()
        self._run(self.job)

    def resume(self) -> None:
        job = getattr(self, "_pending_job", None)
        if self.busy or job is None:
            return
        self.job = job
        self.results.load(job.results)
        self._run(job)

    def _run(self, job: BatchJob) -> None:
        control = self.control = BatchControl()
        assistant, relay = self.assistant, self.relay
        self.resume_button.hide()
        self.banner.clear_message()
        self.progress.setRange(0, max(1, job.total))
        self.progress.setValue(job.done())
        self.state.setText(f"Starting… {job.done()} of {job.total} done before")
        self._update_buttons()

        def work() -> BatchReport:
            return run_batch(assistant, BatchSource(list(job.inputs)), job.total, job.spec, job.results,
                             job.escalation, relay.moved.emit, control)

        run_task(work, self._done)

    def _progress(self, p: BatchProgress) -> None:
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        self.state.setText(progress_text(p))
        self.results.add(p.record)

    def pause(self) -> None:
        if self.control is not None:
            self.control.pause()
            self.state.setText("Pausing after the current item…")

    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()
            if self.job is not None:
                self.job = self.job.with_state("cancelled")
            self.state.setText("Cancelling…")

    def shutdown(self) -> None:
        """The window is closing: stop now, and keep the job resumable."""
        if self.control is not None:
            self.control.cancel()

    def _done(self, done: TaskDone[BatchReport]) -> None:
        self.control = None
        job = self.job
        if done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("the batch stopped"))
        else:
            report = done.result
            self.state.setText(_summary(report, job))
            if job is not None and not report.stopped and job.state == "running":
                self.job = job.with_state("finished")
            if report.stopped and job is not None and job.state == "running":
                self._pending_job = job
                self.resume_button.show()
            self.finished.emit(report)
        self._update_buttons()

    # -- export -----------------------------------------------------------------------------------
    def choose_export(self) -> None:
        if self.job is None:
            return
        target = save_file(self, "Export results", "results.xlsx",
                           "Excel (*.xlsx);;CSV (*.csv);;JSON Lines (*.jsonl)")
        if target is not None:
            self.export_to(target)

    def export_to(self, target: Path) -> None:
        if self.job is None:
            return
        try:
            rows = export(self.job.results, target)
        except Exception as err:  # noqa: BLE001 - shown to the user
            self.banner.error(err)
            return
        self.banner.say(f"Exported {rows} rows to {target.name}.")


def _summary(report: BatchReport, job: BatchJob | None) -> str:
    parts = [f"{report.done_before + report.processed} of {report.total} done"]
    if report.failed:
        parts.append(f"{report.failed} could not be read or run")
    if report.queued:
        parts.append(f"{report.queued} waiting in the queue for your consent")
    if report.stopped:
        parts.append("stopped (Resume carries on)" if job is None or job.state == "running" else "cancelled")
    return " · ".join(parts)
