"""What the Classifiers and Extractors pages share: the profile list (damaged files with their error), the
toolbar (new, import, export, remove) and what its buttons do, and the detail area below the list.

A page says what differs: its store, the columns of a list row, the detail area (``_details``) and how it
shows the selected profile (``_show_profile``), what "New…" asks for, and what an import reports. Import and
export run in the thread pool (``ui.worker.run_task``); the GUI thread only shows the results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.assistant import Assistant
from app.errors import ProfileExists
from app.profile_store import ProfileStore, StoredProfile, StoredSummary
from ui.classifiers_common import Banner, cell, table
from ui.file_dialogs import open_file, save_file
from ui.page import page_header
from ui.worker import TaskDone, run_task

DAMAGED = QColor("#b91c1c")


P = TypeVar("P", bound=StoredProfile)
S = TypeVar("S", bound=StoredSummary)


def state_text(s: StoredSummary) -> str:
    if s.error is not None:
        return "Damaged"
    if not s.trained:
        return "Not trained"
    return "Examples changed" if s.stale else "Trained"


class ProfilesPage(QWidget, Generic[P, S]):
    columns: tuple[str, ...]  # the list's; the first is the name

    def __init__(self, assistant: Assistant, title: str, blurb: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.summaries: list[S] = []
        self.profile: P | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        page_header(layout, title, blurb)
        self.banner = Banner()
        layout.addWidget(self.banner)
        layout.addLayout(self._toolbar())
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.table = table(self.columns, title, stretch=1)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._details())
        layout.addWidget(self.splitter, 1)

    # -- what a page says -------------------------------------------------------------------------
    def store(self) -> ProfileStore[P, S]:
        raise NotImplementedError

    def _details(self) -> QWidget:
        raise NotImplementedError

    def _fill_values(self, row: int, s: S) -> None:
        """Columns 1… of a row for a profile that could be read."""
        raise NotImplementedError

    def _show_profile(self) -> None:
        """Show ``self.profile`` (None: nothing selected) below the list."""
        raise NotImplementedError

    def _contents(self, profile: P) -> str:
        """What an imported profile holds, e.g. "3 labels"."""
        raise NotImplementedError

    def choose_new(self) -> None:
        raise NotImplementedError

    @property
    def noun(self) -> str:
        return self.store().kind.file.noun

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        buttons = ((f"New {self.noun}…", self.choose_new), ("Import…", self.choose_import),
                   ("Export…", self.choose_export), ("Remove", self.confirm_remove))
        self.new_button, self.import_button, self.export_button, self.remove_button = (
            QPushButton(title) for title, _ in buttons)
        for button, (_, slot) in zip((self.new_button, self.import_button, self.export_button, self.remove_button),
                                     buttons, strict=True):
            button.clicked.connect(slot)
            row.addWidget(button)
        self.remove_button.setObjectName("danger")
        row.addStretch(1)
        return row

    # -- the list -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the profiles again (keeping the selection); the first one is selected if none was."""
        keep = self.selected_name()
        self.summaries = self.store().summaries()
        self.table.blockSignals(True)
        self.table.clearSpans()
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            self._fill_row(row, s)
        self.table.blockSignals(False)
        names = [s.name for s in self.summaries]
        self.select(keep if keep in names else next((s.name for s in self.summaries if s.error is None), None))

    def _fill_row(self, row: int, s: S) -> None:
        self.table.setItem(row, 0, cell(s.name, tip=s.fingerprint and f"id {s.fingerprint[:12]}"))
        if s.error is None:
            self._fill_values(row, s)
            return
        error = cell(s.error, tip=s.error)
        error.setForeground(DAMAGED)
        self.table.setItem(row, 1, error)
        self.table.setSpan(row, 1, 1, len(self.columns) - 1)

    def select(self, name: str | None) -> None:
        rows = [r for r, s in enumerate(self.summaries) if s.name == name]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.table.clearSelection()
        self._selection_changed()

    def selected_name(self) -> str | None:
        row = self.table.currentRow() if self.table.selectedItems() else -1
        return self.summaries[row].name if 0 <= row < len(self.summaries) else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        summary = next((s for s in self.summaries if s.name == name), None)
        self.profile = None
        if summary is not None and summary.error is None:
            try:
                self.profile = self.store().get(summary.name)
            except Exception as err:  # changed on disk since the list was read
                self.banner.error(err)
        self._show_profile()

    # -- sharing and removing -----------------------------------------------------------------------
    @property
    def file_filter(self) -> str:
        return f"Inhouse {self.noun} (*.json)"

    def choose_import(self) -> None:
        path = open_file(self, f"Import {self.store().kind.file.a_noun}", self.file_filter + ";;All files (*)")
        if path is not None:
            self.import_path(path, ask_to_replace=True)

    def import_path(self, path: Path, *, replace: bool = False, ask_to_replace: bool = False) -> None:
        store = self.store()
        run_task(lambda: store.import_file(path, replace_existing=replace),
                 lambda done: self._imported(done, path, ask_to_replace))

    def _imported(self, done: TaskDone[P], path: Path, ask_to_replace: bool) -> None:
        if done.error is not None or done.result is None:
            if isinstance(done.error, ProfileExists) and ask_to_replace and QMessageBox.question(
                    self, "Import", f"{done.error}\nReplace it with the one in {path.name}?",
            ) == QMessageBox.StandardButton.Yes:
                self.import_path(path, replace=True)
                return
            self.banner.error(done.error or RuntimeError("nothing was imported"))
            return
        p = done.result
        trained = f"trained, id {p.trained.fingerprint[:12]}" if p.trained else "not trained"
        self.banner.say(f"Imported “{p.name}” from {path.name}: {self._contents(p)}, {len(p.examples)} "
                        f"examples, {trained}.")
        self.refresh()
        self.select(p.name)

    def choose_export(self) -> None:
        if self.profile is None:
            return
        path = save_file(self, f"Export the {self.noun}", f"{self.profile.name}.inhouse-{self.noun}.json",
                         self.file_filter)
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        if self.profile is None:
            return
        name, store = self.profile.name, self.store()
        run_task(lambda: store.export(name, path), self._exported)

    def _exported(self, done: TaskDone[Path]) -> None:
        if done.error is not None or done.result is None:
            self.banner.error(done.error or RuntimeError("nothing was exported"))
        else:
            self.banner.say(f"Exported to {done.result}. Import it on another device to get the same {self.noun}.")

    def confirm_remove(self) -> None:
        name = self.selected_name()
        if name and QMessageBox.question(self, "Remove", f"Remove the {self.noun} “{name}” and its examples? "
                                         "Export it first to keep a copy.") == QMessageBox.StandardButton.Yes:
            self.remove_profile(name)

    def remove_profile(self, name: str) -> None:
        try:
            self.store().remove(name)
        except Exception as err:  # e.g. already gone
            self.banner.error(err)
            return
        self.banner.say(f"Removed “{name}”.")
        self.refresh()

