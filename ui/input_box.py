"""The text to work on: typed, pasted, opened from a file or dropped onto the box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.inputs import read_text_file
from inference.errors import InputInvalid

READABLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".eml", ".log", ".csv")
FILE_FILTER = "Text, Markdown and e-mail (*.txt *.text *.md *.markdown *.eml *.log *.csv);;All files (*)"


def read_input_file(path: Path) -> str:
    """The text of a plain-text, Markdown or e-mail file; ``InputInvalid`` saying why for anything else."""
    if path.suffix.lower() not in READABLE_SUFFIXES:
        kind = path.suffix.lower() or "this kind of"
        raise InputInvalid(
            f"Inhouse cannot read {path.name}: {kind} files are not supported, only plain text (.txt), "
            "Markdown (.md) and e-mail (.eml).",
            hint="Open it in its own program, copy the text, and paste it here.",
        )
    text = read_text_file(path)
    if not text.strip():
        raise InputInvalid(f"{path.name} is empty.", hint="Choose a file that contains some text.")
    return text


class InputBox(QPlainTextEdit):
    """A plain-text editor that also accepts a dropped file (``file_dropped``)."""

    file_dropped = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setTabChangesFocus(True)  # Tab moves on, so the window stays usable from the keyboard
        self.setPlaceholderText(
            "Paste or type the text here, or drop a file (.txt, .md, .eml).\n\n"
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
