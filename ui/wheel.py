"""The mouse wheel scrolls the page; it only changes a spin box or a drop-down the user has focused.

Qt's spin boxes and combo boxes take wheel events whenever the pointer is over them, so scrolling a
long page (Settings) quietly changed thresholds under the pointer. ``guard_wheel`` gives a widget
click/tab focus only and hands the wheel to the page behind it until the user has focused the widget.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        area = _scroll_area(watched)
        if area is None:
            event.ignore()  # not accepted: Qt offers it to the parents
        else:  # scroll the page under the pointer, as if the widget were not there
            QApplication.sendEvent(area.verticalScrollBar(), event)
            event.accept()
        return True


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area around ``widget`` that can scroll vertically."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.verticalScrollBar().maximum() > 0:
            return parent
        parent = parent.parentWidget()
    return None


_GUARD: _WheelGuard | None = None


def _guard() -> _WheelGuard:
    global _GUARD
    if _GUARD is None:
        _GUARD = _WheelGuard()
    return _GUARD


def guard_wheel(*widgets: QAbstractSpinBox | QComboBox) -> None:
    """Let ``widgets`` take the wheel only while they have keyboard focus."""
    for widget in widgets:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel must not focus it
        widget.installEventFilter(_guard())


def guard_all(root: QWidget) -> None:
    """``guard_wheel`` for every spin box and combo box under ``root``."""
    guard_wheel(*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox))
