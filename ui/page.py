"""The shared top of every page: a title and one line under it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout


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
