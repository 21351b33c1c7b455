"""Open and save dialogs that start where the user last opened or saved a file (the home folder at
first), not in whatever folder the app happened to be started from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from ui.ui_state import remember_folder, start_folder


def open_file(parent: QWidget, title: str, file_filter: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, start_folder(), file_filter)
    if not path:
        return None
    remember_folder(path)
    return Path(path)


def save_file(parent: QWidget, title: str, name: str, file_filter: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(start_folder()) / name), file_filter)
    if not path:
        return None
    remember_folder(path)
    return Path(path)


def open_files(parent: QWidget, title: str, file_filter: str) -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, start_folder(), file_filter)
    if paths:
        remember_folder(paths[0])
    return [Path(p) for p in paths]


def open_folder(parent: QWidget, title: str) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, title, start_folder())
    if not folder:
        return None
    remember_folder(Path(folder) / "-")  # the next dialog starts in this folder
    return Path(folder)
