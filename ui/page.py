"""The shared top of every page: a title and one line under it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget


def page_header(layout: QVBoxLayout, title: str, subtitle: str) -> QLabel:
    """Add the title and subtitle to ``layout``; returns the subtitle label (for updates)."""
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    sub = QLabel(subtitle)
    sub.setObjectName("pageSubtitle")
    sub.setWordWrap(True)
    layout.addWidget(sub)
    layout.addSpacing(6)
    return sub


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless vertical scroll area: when the window is short it scrolls instead of
    squeezing (and cutting) its text."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the controls inside; they scroll into view
    widget.setObjectName(widget.objectName() or "scrolled")
    area.setWidget(widget)
    area.viewport().setAutoFillBackground(False)
    widget.setAutoFillBackground(False)
    return area
