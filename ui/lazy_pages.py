"""Pages of a ``QStackedWidget`` built the first time they are needed (#11: the window paints sooner).

Each page starts as an empty stand-in at its index; ``get(name)`` builds the page, swaps it in at the
same index and returns it from then on. Pages built late join the end of the window's focus chain, so
the controls inside ``keep_last`` (the status bar) are put back after them: Tab still reaches it last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStackedWidget, QWidget


class _Refreshable(Protocol):
    def refresh(self) -> None: ...


class LazyPages:
    def __init__(self, stack: QStackedWidget, builders: dict[str, Callable[[], QWidget]],
                 keep_last: Callable[[], QWidget]) -> None:
        self.stack, self._builders, self._keep_last = stack, builders, keep_last
        self.built: dict[str, QWidget] = {}
        self._slots: dict[str, QWidget] = {}
        for name in builders:
            self._slots[name] = QWidget()
            stack.addWidget(self._slots[name])

    def get(self, name: str) -> QWidget:
        """The page ``name``, built now if it was not yet."""
        page = self.built.get(name)
        if page is None:
            page = self._builders[name]()
            slot = self._slots.pop(name)
            self.stack.insertWidget(self.stack.indexOf(slot), page)
            self.stack.removeWidget(slot)
            slot.deleteLater()
            self.built[name] = page
            self._put_back_after(page)
        return page

    def name_at(self, index: int) -> str | None:
        """The name of the page at ``index`` in the stack (built or not), or None for the others."""
        widget = self.stack.widget(index)
        return next((n for n, w in (*self._slots.items(), *self.built.items()) if w is widget), None)

    def refresh(self, name: str) -> None:
        """Refresh ``name`` if it was built (a page not yet opened reads everything when it is)."""
        page = self.built.get(name)
        if page is not None:
            cast(_Refreshable, page).refresh()

    def _put_back_after(self, page: QWidget) -> None:
        inside = [w for w in _chain_inside(page) if _takes_tab(w)]
        if not inside:
            return
        last = inside[-1]
        for control in filter(_takes_tab, _chain_inside(self._keep_last())):
            QWidget.setTabOrder(last, control)
            last = control


def _takes_tab(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _chain_inside(container: QWidget) -> list[QWidget]:
    """The widgets inside ``container``, in the order of the focus chain."""
    inside: list[QWidget] = []
    widget = container.nextInFocusChain()
    while widget is not None and widget is not container and len(inside) < 10_000:
        if container.isAncestorOf(widget):
            inside.append(widget)
        widget = widget.nextInFocusChain()
    return inside
