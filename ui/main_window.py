"""The main window: a sidebar (Assistant, History, Classifiers, Batch, Extractors, Audit log, Settings, Review),
the pages, the status bar."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
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
from app.consent import ConsentStatus
from app.errors import InhouseError, ModelCorrupt, ModelLoadFailed, ModelMissing, OutOfMemory
from app.outcome import Outcome
from app.tiers import TierKind
from ui.assets import icon
from ui.assistant_page import AssistantPage
from ui.classifiers_common import page_icon
from ui.classifiers_correction import CorrectionController
from ui.consent_gate import DialogConsentGate
from ui.extractors_correction import ExtractionCorrections
from ui.first_run import FirstRunPage
from ui.lazy_pages import LazyPages
from ui.status_bar import StatusBar
from ui.ui_state import UiState
from ui.window_geometry import MINIMUM, first_geometry
from ui.worker import TaskDone, run_task, wait_for_all

if TYPE_CHECKING:  # the other pages are imported when first opened (#11): see ``_build_page``
    from ui.audit_view import AuditView
    from ui.batch_page import BatchPage
    from ui.classifiers_page import ClassifiersPage
    from ui.extractors_page import ExtractorsPage
    from ui.history_view import HistoryView
    from ui.review_page import ReviewPage
    from ui.settings_view import SettingsView

PAGES = (("Assistant", "assistant"), ("History", "history"), ("Classifiers", "classifiers"), ("Batch", "batch"),
         ("Extractors", "extractors"), ("Audit log", "audit"), ("Settings", "settings"), ("Review", "review"))
NO_MODEL = (ModelMissing, ModelCorrupt, ModelLoadFailed, OutOfMemory)


def queue_report(outcomes: list[Outcome], left: int) -> str:
    """What "Send now" did: how many were sent, and how many are still queued (and why)."""
    sent = sum(1 for o in outcomes if o.remote is not None)
    declined = sum(1 for o in outcomes if o.consent is ConsentStatus.DENIED)
    parts = [f"Sent {sent} queued request{'' if sent == 1 else 's'}."]
    if left:
        why = " (you declined)" if declined and declined == left else ""
        parts.append(f"{left} still in the queue{why}: nothing was sent for {'it' if left == 1 else 'them'}.")
    return " ".join(parts)


LAZY_PAGES = ("history", "classifiers", "batch", "extractors", "audit", "settings", "review")
FALLBACK_START_MS = 2000  # deferred start-up work runs by then even if the window was never painted


class MainWindow(QMainWindow):
    """The Assistant page is built at once; the other pages when first opened (or first asked for, e.g.
    ``window.settings``), so the first paint does not wait for them, nor for their imports (the keyring
    backends, the review charts...). The model starts loading once the window has painted (#11)."""

    model_settled = Signal()  # the model finished loading, or failed to (``inhouse gui --screenshot`` waits)

    def __init__(self, assistant: Assistant, *, load_model: bool = True) -> None:
        super().__init__()
        self.assistant = assistant
        self.setWindowTitle("Inhouse")
        self.setWindowIcon(icon("inhouse"))
        self.setMinimumSize(MINIMUM)
        self.ui_state = UiState()
        self._after_paint: list[Callable[[], None]] | None = []  # None once the window has painted
        self._closing = False  # closed: start-up work not yet begun is dropped, late results not shown
        self.gate = DialogConsentGate(self)
        self.assistant_page = AssistantPage(assistant, self.gate)
        self.first_run = FirstRunPage()
        self.corrections = CorrectionController(assistant, self.assistant_page.result, self)
        self.extract_corrections = ExtractionCorrections(assistant, self.assistant_page.result, self)
        self._build()
        self.status = StatusBar()  # made after the pages, so Tab reaches it last
        self.setStatusBar(self.status)
        self._connect()
        self._restore()
        self.key_checked = False  # the status bar says what it found once this is True
        self.status.refresh(assistant, key_checked=False)
        self.after_first_paint(self._check_key)
        self.model_loaded = False
        if load_model:
            self.load_model()
        self.assistant_page.panel.input.setFocus()  # typing starts in the text box

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
        self.pages.addWidget(self.home)
        self.lazy = LazyPages(self.pages, {name: partial(self._build_page, name) for name in LAZY_PAGES},
                              lambda: self.status)
        content = QWidget()
        content.setObjectName("content")
        inner = QVBoxLayout(content)
        inner.setContentsMargins(16, 14, 16, 10)
        inner.addWidget(self.pages)
        layout.addWidget(content, 1)
        self.setCentralWidget(root)

    def _build_page(self, name: str) -> QWidget:  # noqa: C901 - one branch per page, each a few lines
        assistant = self.assistant
        if name == "history":
            from ui.history_view import HistoryView

            history = HistoryView(assistant)
            history.use_again.connect(self._use_again)
            history.changed.connect(self._refresh_status)
            return history
        if name == "classifiers":
            from ui.classifiers_page import ClassifiersPage

            return ClassifiersPage(assistant)
        if name == "batch":
            from ui.batch_page import BatchPage

            batch = BatchPage(assistant)
            batch.finished.connect(self._refresh_status)
            return batch
        if name == "extractors":
            from ui.extractors_page import ExtractorsPage

            return ExtractorsPage(assistant)
        if name == "audit":
            from ui.audit_view import AuditView

            return AuditView(assistant)
        if name == "settings":
            from ui.settings_view import SettingsView

            settings = SettingsView(assistant)
            settings.policy_changed.connect(self._refresh_status)
            settings.key_changed.connect(self._refresh_status)
            settings.model.chooser.model_chosen.connect(self.switch_model)
            return settings
        from ui.review_page import ReviewPage

        review = ReviewPage(assistant)
        review.policy_changed.connect(self._refresh_status)
        return review

    @property
    def history(self) -> HistoryView:
        return cast("HistoryView", self.lazy.get("history"))

    @property
    def classifiers(self) -> ClassifiersPage:
        return cast("ClassifiersPage", self.lazy.get("classifiers"))

    @property
    def batch(self) -> BatchPage:
        return cast("BatchPage", self.lazy.get("batch"))

    @property
    def extractors(self) -> ExtractorsPage:
        return cast("ExtractorsPage", self.lazy.get("extractors"))

    @property
    def audit(self) -> AuditView:
        return cast("AuditView", self.lazy.get("audit"))

    @property
    def settings(self) -> SettingsView:
        return cast("SettingsView", self.lazy.get("settings"))

    @property
    def review(self) -> ReviewPage:
        return cast("ReviewPage", self.lazy.get("review"))

    def _sidebar(self) -> QWidget:
        side = QWidget()
        side.setObjectName("sidebar")
        side.setFixedWidth(176)
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
        self.corrections.profiles_changed.connect(lambda: self.lazy.refresh("classifiers"))
        self.extract_corrections.profiles_changed.connect(lambda: self.lazy.refresh("extractors"))
        self.corrections.profiles_changed.connect(self._refresh_saved_sets)
        self.status.send_queued.connect(self.send_queued)
        self.status.add_key.connect(self.show_key_settings)
        self.assistant_page.result.add_key.connect(self.show_key_settings)
        self.assistant_page.result.send_queue.connect(self.send_queued)
        self.first_run.retry.connect(self.load_model)
        self.first_run.chooser.model_chosen.connect(self.switch_model)
        for i in range(len(PAGES)):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda i=i: self.go_to_page(i))
        self.nav.setCurrentRow(0)

    # -- navigation -------------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        if index < 0:
            return
        name = self.lazy.name_at(index)
        if name is not None:
            self.lazy.get(name)
        self.pages.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        page = self.pages.currentWidget()
        if name is not None:
            self.lazy.refresh(name)
        if page is self.assistant_page:
            self._refresh_saved_sets()
        focused = QApplication.focusWidget()
        if focused is not None and self.pages.isAncestorOf(focused):
            self.nav.setFocus()  # Qt put focus on the page's first control (a setting the wheel could change)

    def go_to_page(self, index: int) -> None:
        """Ctrl+1..8: the page, with the cursor where a person types next on it (the text to run, the
        history search); elsewhere on the sidebar, so no setting sits under the wheel."""
        self.show_page(index)
        if self.pages.currentWidget() is self.home and self.home.currentWidget() is self.assistant_page:
            self.assistant_page.panel.input.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif self.lazy.name_at(index) == "history":
            self.history.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.nav.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_key_settings(self) -> None:
        """Settings, scrolled to the API key, with the cursor in the key field."""
        self.show_page(self.pages.indexOf(self.settings))
        self.settings.ensureWidgetVisible(self.settings.key)
        self.settings.key.focus_field()

    def _refresh_saved_sets(self) -> None:
        """Trained classifiers are offered under Saved sets on the Classify task."""
        trained = [(s.name, s.labels, s.report.cv_accuracy) for s in self.assistant.host.classifiers.summaries()
                   if s.trained and s.report is not None]
        self.assistant_page.panel.labels.set_classifiers(trained)

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
        self.after_first_paint(lambda: run_task(host.engine, self._model_done))

    def after_first_paint(self, work: Callable[[], None]) -> None:
        """Run ``work`` once the window has first painted (at once if it has): start-up work that the
        window need not wait for (the model load) does not compete with building and painting it (#11)."""
        if self._after_paint is None:
            work()
            return
        if not self._after_paint:
            QTimer.singleShot(FALLBACK_START_MS, self, self._painted)  # never shown (or never exposed): run anyway
        self._after_paint.append(work)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self._after_paint is not None:
            QTimer.singleShot(0, self, self._painted)  # after this paint has reached the screen

    def _painted(self) -> None:
        pending, self._after_paint = self._after_paint or [], None
        for work in [] if self._closing else pending:
            work()

    def switch_model(self) -> None:
        """Load the model just chosen, once no run or training is using the current one."""
        classifiers = cast("ClassifiersPage | None", self.lazy.built.get("classifiers"))
        if self.assistant_page.busy or (classifiers is not None and classifiers.training.busy):
            QTimer.singleShot(500, self.switch_model)
            return
        self.model_loaded = False
        self.assistant.host.reload()
        self.load_model()

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
        self._refresh_model_box()
        self.model_settled.emit()

    def _refresh_model_box(self) -> None:
        settings = cast("SettingsView | None", self.lazy.built.get("settings"))
        if settings is not None:
            settings.model.refresh()

    def show_first_run(self, error: BaseException) -> None:
        """Show the page that offers a model to download or choose, with what went wrong (the page's
        buttons are what to do, so the error's command-line hint is left out)."""
        text = str(error)
        self.first_run.set_problem(text)
        self.home.setCurrentWidget(self.first_run)
        self.status.set_engine_problem(text)

    # -- status -----------------------------------------------------------------------------------
    def _after_outcome(self, outcome: Outcome) -> None:
        self._refresh_status()

    def _refresh_status(self) -> None:
        self.status.refresh(self.assistant)

    def _check_key(self) -> None:
        """The first read of the key store finds its backend (100+ ms, more with a desktop keyring): done in
        the background after the first paint; the status bar then reads the key again, now quickly."""
        source = self.assistant.key_source
        run_task(lambda: source(TierKind.CLOUD), self._key_checked)

    def _key_checked(self, _done: TaskDone[str | None]) -> None:
        self.key_checked = True
        if not self._closing:  # else the store may be closed by now
            self._refresh_status()

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
            self.status.showMessage(queue_report(done.result or [], len(self.assistant.store.list_queue())), 10_000)
        self._refresh_status()

    # -- remembered between starts -------------------------------------------------------------------
    def _restore(self) -> None:
        state = self.ui_state
        self._place(state)
        if state.number("window/maximized", 0):
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        self.assistant_page.panel.restore_state(state)
        left, right = state.number("assistant/left", 0), state.number("assistant/right", 0)
        if left > 0 and right > 0:
            self.assistant_page.splitter.setSizes([left, right])

    def _place(self, state: UiState) -> None:
        """The remembered size and place if they fit a screen now, else the default cut to the screen."""
        width, height = state.number("window/width", 0), state.number("window/height", 0)
        x, y = state.number("window/x", 0), state.number("window/y", 0)
        saved = QRect(x, y, max(width, MINIMUM.width()), max(height, MINIMUM.height())) if width > 0 else None
        primary = QGuiApplication.primaryScreen()
        others = [s for s in QGuiApplication.screens() if s is not primary]
        screens = [s.availableGeometry() for s in ([primary] if primary is not None else []) + others]
        where = first_geometry(saved, screens)
        self.resize(where.size())
        self.move(where.topLeft())

    def save_state(self) -> None:
        state, maximized = self.ui_state, self.isMaximized()
        normal = self.normalGeometry() if maximized else self.geometry()
        where = normal.topLeft() if maximized else self.pos()  # pos(): the frame's corner, what move() takes
        for key, value in (("width", normal.width()), ("height", normal.height()), ("x", where.x()),
                           ("y", where.y()), ("maximized", int(maximized))):
            state.set(f"window/{key}", value)
        self.assistant_page.panel.save_state(state)
        left, right = self.assistant_page.splitter.sizes()
        state.set("assistant/left", left)
        state.set("assistant/right", right)
        self.ui_state.save()

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._closing = True
        self.save_state()
        self.gate.deny_all()
        self.assistant_page.cancel()
        self.assistant.stop_redaction_training()  # a background retraining stops at its next step
        built = self.lazy.built
        if "classifiers" in built:
            self.classifiers.cancel()
        if "batch" in built:
            self.batch.shutdown()
        if "settings" in built:
            self.settings.model.chooser.cancel()  # a download stops at its next chunk; nothing half-done is kept
        self.first_run.chooser.cancel()
        self.hide()  # gone for the user now; the jobs end at their next step (a model run, a crfsuite step)
        wait_for_all(15_000)
        super().closeEvent(event)

