"""Where Inhouse keeps its files.

Per-OS directories from platformdirs; ``INHOUSE_HOME=DIR`` puts config, data and models under DIR
(tests and scripts use it, so no test touches the real home).
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


def admin_policy_path() -> Path:
    """The admin-managed policy file for this OS; ``INHOUSE_ADMIN_POLICY`` overrides it."""
    override = os.environ.get("INHOUSE_ADMIN_POLICY")
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Inhouse/policy.toml")
    if sys.platform == "win32":
        program_data = os.environ.get("ProgramData", r"C:\ProgramData")  # noqa: SIM112 - Windows' own spelling
        return Path(program_data) / "Inhouse" / "policy.toml"
    return Path("/etc/inhouse/policy.toml")
