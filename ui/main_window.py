"""The main window: a sidebar (Assistant, History, Classifiers, Batch, Audit log, Settings), pages, status bar."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.outcome import Outcome
from inference.errors import InhouseError, ModelCorrupt, ModelLoadFailed, ModelMissing, OutOfMemory
from ui.assets import icon
from ui.assistant_page import AssistantPage
from ui.audit_view import AuditView
from ui.batch_page import BatchPage
from ui.classifiers_common import page_icon
from ui.classifiers_correction import CorrectionController
from ui.classifiers_page import ClassifiersPage
from ui.consent_gate import DialogConsentGate
from ui.first_run import FirstRunPage
from ui.history_view import HistoryView
from ui.settings_view import SettingsView
from ui.status_bar import StatusBar
from ui.worker import TaskDone, run_task, wait_for_all

PAGES = (("Assistant", "assistant"), ("History", "history"), ("Classifiers", "classifiers"), ("Batch", "batch"),
         ("Audit log", "audit"), ("Settings", "settings"))
NO_MODEL = (ModelMissing, ModelCorrupt, ModelLoadFailed, OutOfMemory)


class MainWindow(QMainWindow):
    model_settled = Signal()  # the model finished loading, or failed to (``inhouse gui --screenshot`` waits)

    def __init__(self, assistant: Assistant, *, load_model: bool = True) -> None:
        super().__init__()
        self.assistant = assistant
        self.setWindowTitle("Inhouse")
        self.setWindowIcon(icon("inhouse"))
        self.setMinimumSize(980, 640)
        self.resize(1240, 800)
        self.gate = DialogConsentGate(self)
        self.assistant_page = AssistantPage(assistant, self.gate)
        self.first_run = FirstRunPage()
        self.history = HistoryView(assistant)
        self.classifiers = ClassifiersPage(assistant)
        self.batch = BatchPage(assistant)
        self.corrections = CorrectionController(assistant, self.assistant_page.result, self)
        self.audit = AuditView(assistant)
        self.settings = SettingsView(assistant)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._build()
        self._connect()
        self.status.refresh(assistant)
        self.model_loaded = False
        if load_model:
            self.load_model()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        root.setObjectName("root")
        layout = QHBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._sidebar())
        self.home = QStackedWidget()
        self.home.addWidget(self.assistant_page)
        self.home.addWidget(self.first_run)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        for page in (self.home, self.history, self.classifiers, self.batch, self.audit, self.settings):
            self.pages.addWidget(page)
        content = QWidget()
        content.setObjectName("content")
        inner = QVBoxLayout(content)
        inner.setContentsMargins(20, 18, 20, 12)
        inner.addWidget(self.pages)
        layout.addWidget(content, 1)
        self.setCentralWidget(root)

    def _sidebar(self) -> QWidget:
        side = QWidget()
        side.setObjectName("sidebar")
        side.setFixedWidth(196)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(12, 16, 12, 12)
        brand = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(icon("inhouse").pixmap(30, 30))
        brand.addWidget(logo)
        name = QLabel("Inhouse")
        name.setObjectName("brand")
        brand.addWidget(name, 1)
        layout.addLayout(brand)
        layout.addSpacing(14)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Pages")
        self.nav.setIconSize(QSize(18, 18))
        for i, (title, icon_name) in enumerate(PAGES, start=1):
            item = QListWidgetItem(page_icon() if icon_name == "classifiers" else icon(icon_name), title)
            item.setToolTip(f"{title} (Ctrl+{i})")
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.show_page)
        layout.addWidget(self.nav, 1)
        tagline = QLabel("Runs on this device.\nCloud only with your consent.")
        tagline.setObjectName("tagline")
        tagline.setWordWrap(True)
        layout.addWidget(tagline)
        return side

    def _connect(self) -> None:
        self.assistant_page.outcome_ready.connect(self._after_outcome)
        self.history.use_again.connect(self._use_again)
        self.history.changed.connect(self._refresh_status)
        self.corrections.profiles_changed.connect(self.classifiers.refresh)
        self.settings.policy_changed.connect(self._refresh_status)
        self.settings.key_changed.connect(self._refresh_status)
        self.status.send_queued.connect(self.send_queued)
        self.batch.finished.connect(self._refresh_status)
        self.first_run.retry.connect(self.load_model)
        for i in range(len(PAGES)):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda i=i: self.nav.setCurrentRow(i))
        self.nav.setCurrentRow(0)

    # -- navigation -------------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        if index < 0:
            return
        self.pages.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        page = self.pages.currentWidget()
        if isinstance(page, HistoryView | AuditView | SettingsView | ClassifiersPage | BatchPage):
            page.refresh()

    def _use_again(self, entry: object) -> None:
        self.assistant_page.use_past_run(entry)  # type: ignore[arg-type]
        self.show_page(0)

    # -- model ------------------------------------------------------------------------------------
    def load_model(self) -> None:
        """Load the model in the background so the first run is quick; show the first-run page if none."""
        host = self.assistant.host
        try:
            choice = host.choice()
        except InhouseError as err:
            self.show_first_run(err)
            return
        self.status.set_engine_loading(choice.path.stem)
        run_task(host.engine, self._model_done)

    def _model_done(self, done: TaskDone[object]) -> None:
        engine = self.assistant.host.loaded
        if done.error is not None or engine is None:
            error = done.error or ModelMissing("The model did not load.")
            if isinstance(error, NO_MODEL):
                self.show_first_run(error)
            else:
                self.status.set_engine_problem(str(error))
            self.model_settled.emit()
            return
        self.model_loaded = True
        self.home.setCurrentWidget(self.assistant_page)
        self.status.set_engine(engine.backend.name, engine.model_name, engine.backend.reason)
        self.settings.model.refresh()
        self.model_settled.emit()

    def show_first_run(self, error: BaseException) -> None:
        """Show the page that explains how to get a model, with what went wrong."""
        text = error.user_message() if isinstance(error, InhouseError) else str(error)
        self.first_run.set_problem(text)
        self.home.setCurrentWidget(self.first_run)
        self.status.set_engine_problem(text)

    # -- status -----------------------------------------------------------------------------------
    def _after_outcome(self, outcome: Outcome) -> None:
        self._refresh_status()

    def _refresh_status(self) -> None:
        self.status.refresh(self.assistant)

    def send_queued(self) -> None:
        if self.assistant_page.busy:
            return
        assistant, gate = self.assistant, self.gate
        self.status.showMessage("Sending queued escalations…")
        run_task(lambda: assistant.send_queued(gate), self._queued_sent)

    def _queued_sent(self, done: TaskDone[list[Outcome]]) -> None:
        if done.error is not None:
            self.status.showMessage(f"Could not send the queue: {done.error}", 8000)
        else:
            sent = sum(1 for o in done.result or [] if o.tier == "frontier")
            self.status.showMessage(f"Sent {sent} queued escalation{'' if sent == 1 else 's'}.", 8000)
        self._refresh_status()

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.gate.deny_all()
        self.assistant_page.cancel()
        self.classifiers.cancel()
        self.batch.shutdown()
        wait_for_all(15_000)
        super().closeEvent(event)

