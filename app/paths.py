"""Where Inhouse keeps its files.

Per-OS directories from platformdirs; ``INHOUSE_HOME=DIR`` puts config, data and models under DIR
(tests and scripts use it, so no test touches the real home). The administrator's policy file is always
the system location for the OS (``admin_policy_path``); ``INHOUSE_ADMIN_POLICY`` only adds a layer that
can tighten it (``admin_override_path``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Inhouse"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    models_dir: Path

    @property
    def user_policy(self) -> Path:
        return self.config_dir / "policy.toml"

    @property
    def database(self) -> Path:
        return self.data_dir / "inhouse.db"

    def ensure(self) -> Paths:
        for d in (self.config_dir, self.data_dir, self.models_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def current() -> Paths:
    """The directories for this process, honouring ``INHOUSE_HOME``."""
    home = os.environ.get("INHOUSE_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(root / "config", root / "data", root / "models")
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return Paths(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)), data, data / "models")


# Where the administrator's file is for this process. Only code (tests) can change it: no environment
# variable or user file can move the administrator's policy somewhere the user controls.
_system_admin_policy: Path | None = None
ADMIN_OVERRIDE_VAR = "INHOUSE_ADMIN_POLICY"


def admin_policy_path() -> Path:
    """The administrator's policy file: the system location for this OS, which is authoritative."""
    if _system_admin_policy is not None:
        return _system_admin_policy
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Inhouse/policy.toml")
    if sys.platform == "win32":
        return _windows_program_data() / "Inhouse" / "policy.toml"
    return Path("/etc/inhouse/policy.toml")


def admin_override_path() -> Path | None:
    """``INHOUSE_ADMIN_POLICY``, for tests and trials: a second admin layer that can only TIGHTEN the
    policy (the stricter value of both, per key), never replace the administrator's file."""
    value = os.environ.get(ADMIN_OVERRIDE_VAR, "").strip()
    return Path(value) if value else None


def _windows_program_data() -> Path:
    """The ProgramData known folder from Windows itself (the ``ProgramData`` variable is the user's to change)."""
    try:
        import ctypes
        import uuid
        from ctypes import wintypes

        folder = uuid.UUID("{62AB5D82-FDC1-4DC3-A9DD-070D1D495D97}")  # FOLDERID_ProgramData
        guid = (ctypes.c_byte * 16).from_buffer_copy(folder.bytes_le)
        out = ctypes.c_wchar_p()
        shell32 = ctypes.windll.shell32  # type: ignore[attr-defined]
        if shell32.SHGetKnownFolderPath(ctypes.byref(guid), 0, None, ctypes.byref(out)) == 0 and out.value:
            path = Path(out.value)
            ctypes.windll.ole32.CoTaskMemFree(ctypes.cast(out, wintypes.LPVOID))  # type: ignore[attr-defined]
            return path
    except (OSError, AttributeError, ValueError):
        pass
    return Path(r"C:\ProgramData")
