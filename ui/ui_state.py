"""What the desktop app remembers between starts, per user: window size and place, task, labels, schema,
summary length, the folder files were last opened from.

One INI file in the user's config folder (``ui-state.ini`` next to ``policy.toml``; ``INHOUSE_HOME``
moves it like everything else), written with Qt's ``QSettings``. Nothing here is policy and nothing is
secret: deleting the file only forgets these conveniences. Unreadable or mistyped values fall back to
the defaults.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app import paths

FILE_NAME = "ui-state.ini"


class UiState:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.current().config_dir / FILE_NAME
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def text(self, key: str, default: str = "") -> str:
        value = self._settings.value(key, default)
        return value if isinstance(value, str) else default

    def number(self, key: str, default: int) -> int:
        value = self._settings.value(key, default)
        try:
            return int(str(value))
        except ValueError:
            return default

    def set(self, key: str, value: str | int) -> None:
        self._settings.setValue(key, value)

    def save(self) -> None:
        """Write now (QSettings also writes on its own, later)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._settings.sync()

    def folder(self) -> str:
        """Where the last file was opened from (the home folder at first), for file dialogs."""
        folder = self.text("files/folder")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def remember_folder(self, file: str | Path) -> None:
        self.set("files/folder", str(Path(file).parent))


def start_folder() -> str:
    """The folder a file dialog opens in: where the user last opened or saved a file, else home."""
    return UiState().folder()


def remember_folder(file: str | Path) -> None:
    state = UiState()
    state.remember_folder(file)
    state.save()
