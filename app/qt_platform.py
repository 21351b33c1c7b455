"""Can Qt open a window here? On Linux, Qt's X11 platform plugin (``libqxcb.so``, shipped in PySide6) needs
system libraries a minimal desktop may lack — since Qt 6.5 notably ``libxcb-cursor0`` — and without them
the app dies at start with "Could not load the Qt platform plugin". This finds the missing ones and the
Debian/Ubuntu packages that provide them, without importing Qt (``ldd`` on the plugin file).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Sonames whose Debian package name does not follow the usual rule (see ``debian_package``).
PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found\s*$", re.M)


@dataclass(frozen=True)
class PlatformCheck:
    plugin: Path | None  # the xcb plugin file; None where there is none to check (not Linux, no PySide6)
    missing: tuple[str, ...]  # sonames the plugin needs and the system lacks
    note: str = ""  # why nothing could be checked

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(debian_package(name) for name in self.missing))

    @property
    def ok(self) -> bool:
        return not self.missing

    def advice(self) -> str:
        if self.ok:
            return ""
        return (f"The desktop app cannot open a window: Qt's X11 plugin needs {', '.join(self.missing)}. "
                f"On Debian or Ubuntu: sudo apt install {' '.join(self.packages)}")


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname``, by Debian's library naming rule: ``libxcb-cursor.so.0``
    is in ``libxcb-cursor0``, ``libxkbcommon-x11.so.0`` in ``libxkbcommon-x11-0`` (a dash when the
    name ends in a digit), lower case (``libEGL.so.1``: ``libegl1``)."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    base, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    if not version:
        return base.lower()
    return f"{base}{'-' if base[-1:].isdigit() else ''}{version}".lower()


def missing_libraries(ldd_output: str) -> tuple[str, ...]:
    """The sonames ``ldd`` reports as ``not found``, in order, once each."""
    return tuple(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin file, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for candidate in (Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                          Path(root) / "plugins" / "platforms" / "libqxcb.so"):
            if candidate.is_file():
                return candidate
    return None


def check(plugin: Path | None = None) -> PlatformCheck:
    """Which libraries the X11 plugin lacks here (Linux only; elsewhere Qt ships what it needs)."""
    if not sys.platform.startswith("linux"):
        return PlatformCheck(None, (), "not Linux: nothing to check")
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return PlatformCheck(None, (), "PySide6's X11 plugin was not found")
    ldd = shutil.which("ldd")
    if ldd is None:
        return PlatformCheck(plugin, (), "ldd is not installed, so the plugin's libraries were not checked")
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return PlatformCheck(plugin, (), f"ldd failed: {exc}")
    return PlatformCheck(plugin, missing_libraries(done.stdout + done.stderr))
