"""The text to work on: typed, pasted, opened from a file or dropped onto the box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.inputs import Document, accepted_suffixes, read_document


def file_filter() -> str:
    """The Open dialog's filter, from what ``app.documents`` reads (the UI keeps no list of its own)."""
    patterns = " ".join(f"*{suffix}" for suffix in accepted_suffixes())
    return f"Documents ({patterns});;All files (*)"


def read_input_file(path: Path) -> Document:
    """The document at ``path`` (PDF, Word, e-mail, web page, text); ``InputInvalid`` saying why otherwise."""
    return read_document(path)


class InputBox(QPlainTextEdit):
    """A plain-text editor that also accepts a dropped file (``file_dropped``)."""

    file_dropped = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setTabChangesFocus(True)  # Tab moves on, so the window stays usable from the keyboard
        self.setPlaceholderText(
            "Paste or type the text here, or drop a file (PDF, Word, e-mail, web page, text).\n\n"
            "Tip: press Ctrl+Enter to run."
        )
        self.setAccessibleName("Text to work on")

    @staticmethod
    def _local_file(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        local = [u for u in urls if u.isLocalFile()]
        return Path(local[0].toLocalFile()) if local else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self._local_file(event) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if self._local_file(event) is not None:
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        path = self._local_file(event)
        if path is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.file_dropped.emit(path)
