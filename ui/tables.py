"""Tables that never scroll sideways: short columns as wide as their contents, long ones share the width
left over and wrap their text onto more lines (rows grow to fit), long words (an e-mail address, a host
name, a file path) included. At 900×600 a person reads every cell without a horizontal scrollbar and
without "…". The width left over is shared so that each long column is at least as wide as its title
(Qt's own stretch splits it equally, which cut "Answer" in the Batch results at 900×600), as far as
the width allows."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView

BREAK = "\u200b"  # zero-width space: a place a line may break, drawn as nothing
_AFTER_PUNCTUATION = re.compile(r"([./\\@_:\-])(?=\S)")
_LONG_RUN = re.compile(r"[^\s\u200b]{16}(?=[^\s\u200b])")
_PIECES = re.compile(r"([\s\u200b])")
CELL_MARGINS = 8  # the style's text margins on both sides of a cell


def breakable(text: str) -> str:
    """``text`` as drawn in a wrapping cell: it may break after . / @ _ : - and inside any run of 16
    characters without one (Qt wraps at spaces only and would cut such a word at the cell's edge)."""
    return _LONG_RUN.sub(lambda m: m.group(0) + BREAK, _AFTER_PUNCTUATION.sub(r"\1" + BREAK, text))


def fitted(text: str, room: int, width_of: Callable[[str], int]) -> str:
    """``breakable(text)``, and a piece still wider than ``room`` pixels may break after any character."""
    pieces = _PIECES.split(breakable(text))
    return "".join(BREAK.join(p) if p.strip() and width_of(p) > room else p for p in pieces)


class _Wrapping(QStyledItemDelegate):
    """Draws (and measures) a cell's text with break points; the item's own text stays as it is."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        room = option.rect.width() - CELL_MARGINS  # the column's width, when measuring and when painting
        text = option.text
        option.text = fitted(text, room, option.fontMetrics.horizontalAdvance) if room > 0 else breakable(text)


class _Cap(QObject):
    """Keeps the columns sized to their contents under ``share`` of the table's width (a long field name
    wraps instead of leaving no room for its value), never under what their header needs."""

    def __init__(self, table: QTableView, share: float, fitted: list[int]) -> None:
        super().__init__(table)
        self.table, self.share, self.fitted = table, share, fitted
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            header = self.table.horizontalHeader()
            titles = max((header.sectionSizeFromContents(c).width() for c in self.fitted), default=0)
            cap = max(header.minimumSectionSize(), titles, int(self.table.viewport().width() * self.share))
            header.setMaximumSectionSize(cap)
        return False


def shares(room: int, needs: list[int]) -> list[int]:
    """Split ``room`` pixels between columns that each need ``needs[i]`` for their title: equal shares, but a
    column whose title needs more than its share gets what it needs and the others split the rest. The
    widths add up to ``room``; when the titles need more than there is, the split is equal."""
    if not needs:
        return []
    fixed: dict[int, int] = {}
    if sum(needs) <= room:
        while True:
            free = [i for i in range(len(needs)) if i not in fixed]
            share = (room - sum(fixed.values())) // max(1, len(free))
            more = {i: needs[i] for i in free if needs[i] > share}
            if not more:
                break
            fixed.update(more)
    free = [i for i in range(len(needs)) if i not in fixed]
    left = room - sum(fixed.values())
    widths = [fixed.get(i, 0) for i in range(len(needs))]
    for n, i in enumerate(free):
        widths[i] = left // len(free) + (1 if n < left % len(free) else 0)
    return widths


class _Sharing(QObject):
    """Sizes the long columns: the width the others leave, shared by ``shares`` (on every resize of the
    table and of a content-fitted column)."""

    def __init__(self, table: QTableView, wrapping: list[int]) -> None:
        super().__init__(table)
        self.table, self.wrapping = table, wrapping
        self.busy = False
        table.viewport().installEventFilter(self)
        table.horizontalHeader().sectionResized.connect(self._resized)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            self.share()
        return False

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if column not in self.wrapping:
            self.share()

    def share(self) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            header = self.table.horizontalHeader()
            others = sum(header.sectionSize(c) for c in range(header.count()) if c not in self.wrapping)
            room = max(0, self.table.viewport().width() - others)
            needs = [header.sectionSizeFromContents(c).width() for c in self.wrapping]
            for column, width in zip(self.wrapping, shares(room, needs), strict=True):
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
        finally:
            self.busy = False


def fit_columns(table: QTableView, wrapping: Collection[int], *, share: float | None = None) -> None:
    """Columns in ``wrapping`` share the width left and wrap; the others fit their contents (each at most
    ``share`` of the width when given, and then wrapping too). Call it once the table has its columns."""
    header = table.horizontalHeader()
    model = table.model()
    columns = range(model.columnCount() if model is not None else 0)
    delegate = _Wrapping(table)
    for col in columns:
        mode = QHeaderView.ResizeMode.Fixed if col in wrapping else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(col, mode)
        if col in wrapping or share is not None:
            table.setItemDelegateForColumn(col, delegate)
    header.setStretchLastSection(False)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)  # a cell wraps; nothing is cut with "…"
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if share is not None:
        _Cap(table, share, [c for c in columns if c not in wrapping])
    _Sharing(table, [c for c in columns if c in wrapping])
