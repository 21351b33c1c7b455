"""Choose the model on this device: the catalog with the one recommended for this computer (and why),
download with progress and Cancel, switch, or use any GGUF file.

Used by Settings and by the first-run page. Reading the catalog and the hardware, downloading and
checking a file all run in the thread pool (``ui.worker.run_task``); ``app.models`` opens the egress
permit for the download the user started, and nothing else may leave. ``model_chosen`` tells the window
to load the newly chosen model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app import models
from app.errors import Cancelled
from app.models import CatalogEntry, DownloadResult
from app.task_types import CancelToken
from ui.explain import describe_error
from ui.file_dialogs import open_file
from ui.worker import TaskDone, run_task


def size_text(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _label(text: str = "", name: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    if name:
        label.setObjectName(name)
    return label


class _Progress(QObject):
    """Lives in the GUI thread; ``moved`` emitted from the download thread is queued to it."""

    moved = Signal(int, int)  # (done bytes, total bytes)


class ModelChooser(QWidget):
    model_chosen = Signal()  # a different model is recorded: load it

    def __init__(self, entries: Sequence[CatalogEntry] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries = tuple(entries) if entries is not None else None  # tests give their own catalog
        self.overview: models.Overview | None = None
        self.downloading: str | None = None
        self.reading = False  # the catalog and hardware are being read
        self._cancel: CancelToken | None = None
        self.buttons: dict[str, QPushButton] = {}
        self.texts: dict[str, QLabel] = {}
        self.relay = _Progress(self)
        self.relay.moved.connect(self._moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.recommended = _label("Looking at this computer…")
        self.recommended.setAccessibleName("Recommended model")
        layout.addWidget(self.recommended)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(12)
        self.rows.setVerticalSpacing(8)
        self.rows.setColumnStretch(0, 1)
        layout.addLayout(self.rows)
        layout.addLayout(self._progress_row())
        self.message = _label("", "banner")
        self.message.setAccessibleName("Model message")
        self.message.hide()
        layout.addWidget(self.message)
        other = QHBoxLayout()
        self.file_button = QPushButton("Use a GGUF file…")
        self.file_button.setAccessibleName("Use a model file from this computer")
        self.file_button.setToolTip("Any GGUF model file you already have")
        self.file_button.clicked.connect(self.choose_file)
        other.addWidget(self.file_button)
        other.addStretch(1)
        layout.addLayout(other)

    def _progress_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Download progress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        row.addWidget(self.progress, 1)
        self.progress_text = _label("", "caption", wrap=False)
        row.addWidget(self.progress_text)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the download")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        self._show_progress(False)
        return row

    # -- reading ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the catalog, what is installed and this computer's memory (in the background)."""
        entries = self._entries
        self.reading = True
        run_task(lambda: models.overview() if entries is None else _overview(entries), self._show)

    def _show(self, done: TaskDone[models.Overview]) -> None:
        self.reading = False
        if done.error is not None or done.result is None:
            self._say(done.error or RuntimeError("no catalog"), good=False)
            return
        self.overview = view = done.result
        rec = view.recommendation
        self.recommended.setText(f"<b>Recommended for this computer: {rec.entry.name}.</b> {rec.reason}")
        if not self.buttons:
            self._build_rows(view.catalog)
        for entry in view.catalog:
            self._show_row(entry, view)

    def _build_rows(self, catalog: Sequence[CatalogEntry]) -> None:
        """One row per catalog model (made once; Tab visits the buttons in the order they are shown)."""
        before = _focusable_before(self.file_button)
        for row, entry in enumerate(catalog):
            text = _label()
            text.setTextFormat(Qt.TextFormat.RichText)
            self.rows.addWidget(text, row, 0)
            button = QPushButton("Download")
            button.clicked.connect(lambda _=False, e=entry.id: self._row_clicked(e))
            self.rows.addWidget(button, row, 1, Qt.AlignmentFlag.AlignTop)
            QWidget.setTabOrder(before, button)
            self.texts[entry.id], self.buttons[entry.id], before = text, button, button

    def _show_row(self, entry: CatalogEntry, view: models.Overview) -> None:
        path = _path_of(entry, view)
        active = path is not None and view.active is not None and path.resolve() == view.active.path.resolve()
        mark = " · recommended" if entry.id == view.recommendation.entry.id else ""
        self.texts[entry.id].setText(f"<b>{entry.name}</b> · {size_text(entry.size_bytes)}{mark}<br>"
                                     f"{entry.good_for}")
        button = self.buttons[entry.id]
        button.setText("In use" if active else "Use" if path else "Download")
        button.setEnabled(not active and self.downloading is None)
        button.setAccessibleName(f"{button.text()} {entry.name}")
        button.setObjectName("primary" if mark and not path else "")  # the recommended download stands out
        button.style().unpolish(button)
        button.style().polish(button)

    def _row_clicked(self, entry_id: str) -> None:
        if self.buttons[entry_id].text() == "Download":
            self.download(entry_id)
        else:
            self.use(entry_id)

    # -- actions ------------------------------------------------------------------------------------
    def download(self, entry_id: str) -> None:
        if self.downloading is not None:
            return
        self.downloading = entry_id
        cancel = self._cancel = CancelToken()
        emit, entries = self.relay.moved.emit, self._entries
        self._show_progress(True)
        self.progress_text.setText("Starting…")
        self.message.hide()
        self._enable(False)
        run_task(lambda: models.download_model(entry_id, emit, cancel, entries=entries), self._downloaded)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.progress_text.setText("Cancelling…")

    def _moved(self, done: int, total: int) -> None:
        if self.downloading is None:
            return
        scale = max(1, total // 1_000_000)  # QProgressBar counts in int: megabytes are enough
        self.progress.setRange(0, max(1, total // scale))
        self.progress.setValue(done // scale)
        self.progress_text.setText(f"{size_text(done)} of {size_text(total)}")

    def _downloaded(self, done: TaskDone[DownloadResult]) -> None:
        entry_id, self.downloading, self._cancel = self.downloading, None, None
        self._show_progress(False)
        self._enable(True)
        if isinstance(done.error, Cancelled):
            self._say_text("Download cancelled; nothing was kept.", good=False)
        elif done.error is not None or done.result is None or entry_id is None:
            self._say(done.error or RuntimeError("the download returned nothing"), good=False)
        else:
            self.use(entry_id)
            return
        self.refresh()

    def use(self, id_or_path: str) -> None:
        try:
            choice = models.use_model(id_or_path, entries=self._entries)
        except Exception as err:  # shown with what to do; the current model stays
            self._say(err, good=False)
            return
        note = (" INHOUSE_MODEL is set, so it still decides which model loads."
                if choice.source == "INHOUSE_MODEL" else "")
        self._say_text(f"Now using {choice.path.name}.{note}", good=True)
        self.refresh()
        self.model_chosen.emit()

    def choose_file(self) -> None:
        path = open_file(self, "Use a model file", "GGUF models (*.gguf);;All files (*)")
        if path is not None:
            self.use(str(path))

    # -- showing ------------------------------------------------------------------------------------
    def _enable(self, enabled: bool) -> None:
        self.file_button.setEnabled(enabled)
        for button in self.buttons.values():
            button.setEnabled(enabled and button.text() != "In use")

    def _show_progress(self, visible: bool) -> None:
        self.progress.setRange(0, 0)
        for widget in (self.progress, self.progress_text, self.cancel_button):
            widget.setVisible(visible)

    def _say(self, error: BaseException, good: bool) -> None:
        message, hint = describe_error(error)
        self._say_text(f"{message} {hint}".strip(), good)

    def _say_text(self, text: str, good: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("state", "good" if good else "bad")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()


def _path_of(entry: CatalogEntry, view: models.Overview) -> Path | None:
    """Where this catalog model is on this computer, if it is."""
    for item in view.installed:
        if item.entry_id == entry.id:
            return item.path
    return view.starter if entry.bundled else None


def _overview(entries: Sequence[CatalogEntry]) -> models.Overview:
    """``models.overview`` over a given catalog (tests)."""
    from app.models import detect_hardware, recommend

    hardware = detect_hardware(probe_gpu=False)
    return models.Overview(tuple(entries), tuple(models.installed_models(entries)), None, models.active_model(),
                           hardware, recommend(hardware, entries))


def _focusable_before(widget: QWidget) -> QWidget:
    """The widget Tab reaches just before ``widget`` (Qt only orders focusable widgets after each other)."""
    current = widget.previousInFocusChain()
    while current is not None and current is not widget:
        if current.focusPolicy().value & Qt.FocusPolicy.TabFocus.value:
            return current
        current = current.previousInFocusChain()
    return widget
