"""Checks a person would make by looking at a window, done on the real widgets: text that does not fit its
widget (elided, cut off, squeezed), widgets outside the window, controls without an accessible name.

Used by tests/test_ui_layout.py and tests/test_ui_access.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

SLACK = 1  # px: rounding in Qt's own hints


@contextmanager
def app_style() -> Iterator[None]:
    """The app's own style sheet and font, as ``ui.app.create_application`` sets them (pytest-qt's
    QApplication has neither); the previous ones are put back afterwards."""
    from ui.app import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet, font = app.styleSheet(), app.font()
    apply_style(app)
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setFont(font)


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.width() > 0 and widget.height() > 0


def _in_scrolled_content(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's viewport: it may lie outside the window and be scrolled to."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _label_problem(label: QLabel) -> str:
    if not label.text().strip() or label.pixmap() is not None and not label.pixmap().isNull():
        return ""
    if label.wordWrap():
        need = max(label.heightForWidth(label.width()), _drawn_height(label))
        if need > label.height() + SLACK:
            return f"wrapped text needs {need} px height, has {label.height()}"
        longest = max((label.fontMetrics().horizontalAdvance(w) for w in label.text().split()), default=0)
        if longest > label.contentsRect().width() + SLACK and "<" not in label.text():
            return f"a word needs {longest} px, the label is {label.contentsRect().width()} px wide"
        return ""
    need = label.sizeHint().width()
    if need > label.width() + SLACK:
        return f"text needs {need} px width, has {label.width()}"
    if label.sizeHint().height() > label.height() + SLACK:
        return f"text needs {label.sizeHint().height()} px height, has {label.height()}"
    return ""


def _drawn_height(label: QLabel) -> int:
    """The height the text takes as QLabel draws it: wrapped inside contentsRect() (plain text only)."""
    if "<" in label.text():
        return 0
    box = label.contentsRect()
    flags = Qt.TextFlag.TextWordWrap | label.alignment()
    text = label.fontMetrics().boundingRect(QRect(0, 0, max(1, box.width()), 10_000), flags, label.text())
    return text.height() + label.height() - box.height()


def _control_problem(widget: QWidget) -> str:
    hint = widget.minimumSizeHint()
    if isinstance(widget, QAbstractButton):
        hint = hint.expandedTo(widget.sizeHint())  # a button's text is cut below its size hint
    if hint.width() > widget.width() + SLACK:
        return f"needs {hint.width()} px width, has {widget.width()}"
    if hint.height() > widget.height() + SLACK:
        return f"needs {hint.height()} px height, has {widget.height()}"
    return ""


def describe(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    shown = text() if callable(text) else widget.accessibleName()
    return f"{type(widget).__name__}({widget.objectName() or '-'}: {str(shown)[:50]!r})"


def clipped_widgets(window: QWidget) -> list[str]:
    """Every visible widget whose text does not fit, or that lies outside the window."""
    QApplication.processEvents()
    problems = []
    bounds = window.rect()
    for widget in window.findChildren(QWidget):
        if not _shown(widget, window) or isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
            continue  # a spin box's or combo box's own editor is checked as part of it
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractSpinBox):
            problem = _control_problem(widget)
        else:
            problem = ""
        if not problem and not _in_scrolled_content(widget, window):
            where = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
            if not bounds.contains(where):
                problem = f"outside the window: {where.getRect()} in {bounds.getRect()}"
        if problem:
            problems.append(f"{describe(widget)}: {problem}")
    return problems


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces: the one set, else what Qt derives (a button's text, a buddy
    label). On Linux a combo box reports its current item as its name, so the set name comes first."""
    if widget.accessibleName().strip():
        return widget.accessibleName().strip()
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def focus_chain(window: QWidget, limit: int = 20_000) -> list[QWidget]:
    """The widgets Tab visits, in order (Qt's focus chain: visible, enabled, taking Tab focus; a spin box's
    own line edit counts as the spin box)."""
    order: list[QWidget] = []
    start = window.nextInFocusChain()
    widget = start
    for _ in range(limit):
        if widget is None:
            break
        inner = isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox)
        if widget.isVisibleTo(window) and widget.isEnabled() and widget.focusPolicy().value & 0x1 and not inner:
            order.append(widget)
        widget = widget.nextInFocusChain()
        if widget is start:
            break
    return order


def settle(done: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Process Qt events until ``done()`` (work that finishes in the background, e.g. a page's first read)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "did not settle in time"
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
