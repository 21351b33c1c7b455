"""Small pieces the Classifiers page and its tabs share: the message banner, read-only tables, the page icon."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QWidget

from ui.explain import describe_error

# The sidebar icon, in the style of resources/icons (a tag): kept here until it moves to resources/icons.
ICON_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" '
            b'stroke="#4b5563" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
            b'<path d="M3.5 12.3V4.5a1 1 0 0 1 1-1h7.8l8.2 8.2a1.2 1.2 0 0 1 0 1.7l-6.6 6.6a1.2 1.2 0 0 1-1.7 0z"/>'
            b'<circle cx="8.3" cy="8.3" r="1.4"/></svg>')


def page_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(QByteArray(ICON_SVG), "SVG")
    return QIcon(pixmap)


class Banner(QLabel):
    """One line at the top of the page: what just happened (good) or what went wrong and what to do (bad)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Message")
        self.hide()

    def say(self, text: str, good: bool = True) -> None:
        self.setText(text)
        self.setProperty("state", "good" if good else "bad")
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def error(self, error: BaseException) -> None:
        message, hint = describe_error(error)
        self.say(f"{message}\n{hint}" if hint else message, good=False)

    def clear_message(self) -> None:
        self.say("")

    @property
    def good(self) -> bool:
        return self.isVisible() and self.property("state") == "good"


def table(columns: Sequence[str], name: str, stretch: int = 0) -> QTableWidget:
    """A read-only table with row selection; column ``stretch`` takes the spare width."""
    view = QTableWidget(0, len(columns))
    view.setHorizontalHeaderLabels(list(columns))
    view.setAccessibleName(name)
    view.verticalHeader().setVisible(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(False)
    header = view.horizontalHeader()
    for col in range(len(columns)):
        mode = QHeaderView.ResizeMode.Stretch if col == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(col, mode)
    return view


def tip_headers(view: QTableWidget, tips: dict[int, str]) -> None:
    """What a column's figure means, on hover over its header."""
    for col, tip in tips.items():
        header = view.horizontalHeaderItem(col)
        if header is not None:
            header.setToolTip(tip)


def cell(text: str, *, right: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def caption(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("caption")
    label.setWordWrap(True)
    return label
