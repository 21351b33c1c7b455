"""Starting the desktop app: the QApplication, the assistant, the main window; and ``--screenshot``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.assistant import Assistant
from app.errors import InhouseError
from ui.assets import icon, style_sheet
from ui.main_window import MainWindow
from ui.window_geometry import DEFAULT

MODEL_WAIT_MS = 60_000


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The process's QApplication (created once), with Inhouse's name, icon, font size and style."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Inhouse")
    app.setApplicationDisplayName("Inhouse")
    app.setDesktopFileName("inhouse")
    app.setWindowIcon(icon("inhouse"))
    apply_style(app)
    return app


def apply_style(app: QApplication) -> None:
    """Inhouse's font size floor and style sheet (the tests apply them to their own QApplication)."""
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
        app.setFont(font)
    app.setStyleSheet(style_sheet())


def wait(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds (layout, painting, queued results)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save_screenshot(widget: QWidget, path: Path) -> None:
    """Lay ``widget`` out, paint it and write it to ``path`` as PNG."""
    widget.show()
    wait(150)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise InhouseError(f"Could not write the screenshot to {path}.", "Choose a writable .png path.")


def wait_for_model(window: MainWindow, timeout_ms: int = MODEL_WAIT_MS) -> None:
    """Until the model has loaded (or failed to) and the status bar knows whether there is a key: both
    start after the window's first paint (#11); a screenshot shows the app once they are done."""
    if not (window.model_loaded or window.home.currentWidget() is window.first_run):
        loop = QEventLoop()
        window.model_settled.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
    for _ in range(timeout_ms // 20):
        if window.key_checked:
            break
        wait(20)


def main(screenshot: Path | None = None) -> int:
    """Run the app until its window is closed; with ``screenshot``, save the main window and exit."""
    app = create_application()
    try:
        assistant = Assistant()
    except InhouseError as err:
        QMessageBox.critical(None, "Inhouse cannot start", err.user_message())
        return 1
    try:
        window = MainWindow(assistant)
        if screenshot is not None:
            window.resize(DEFAULT)  # the README's size, whatever the screen (offscreen: 800×800)
        window.show()
        if screenshot is not None:
            wait_for_model(window)
            save_screenshot(window, screenshot)
            window.close()
            return 0
        return int(app.exec())
    finally:
        assistant.close()


if __name__ == "__main__":
    from app import egress

    egress.install()
    sys.exit(main())
