"""Finding the system libraries Qt's X11 plugin lacks, and the package to install (issue #10, set-up).

The "missing" case is real: a shared library is compiled against a throw-away library that is then
deleted, so ``ldd`` reports it "not found" exactly as it does for a desktop without libxcb-cursor0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import qt_platform
from app.cli import doctor, gui
from app.qt_platform import check, debian_package
from inference.errors import InhouseError

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 plugin check is Linux-only")


def test_package_names_follow_debians_library_naming() -> None:
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"
    assert debian_package("libEGL.so.1") == "libegl1"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"
    assert debian_package("libglib-2.0.so.0") == "libglib2.0-0"


@pytest.fixture
def plugin_missing_a_library(tmp_path: Path) -> Path:
    """A real shared object whose dependency ``libinhouse-gone.so.7`` no longer exists."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the test library")
    (tmp_path / "gone.c").write_text("int inhouse_gone(void) { return 7; }\n")
    (tmp_path / "plugin.c").write_text("int inhouse_gone(void);\nint plugin(void) { return inhouse_gone(); }\n")
    gone = tmp_path / "libinhouse-gone.so.7"
    subprocess.run([cc, "-shared", "-fPIC", "-Wl,-soname,libinhouse-gone.so.7", "-o", str(gone),
                    str(tmp_path / "gone.c")], check=True)
    (tmp_path / "libinhouse-gone.so").symlink_to(gone.name)
    plugin = tmp_path / "libqxcb.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(plugin), str(tmp_path / "plugin.c"), f"-L{tmp_path}",
                    "-linhouse-gone"], check=True)
    gone.unlink()
    return plugin


@linux_only
def test_a_missing_library_is_found_and_named(plugin_missing_a_library: Path) -> None:
    result = check(plugin_missing_a_library)
    assert result.missing == ("libinhouse-gone.so.7",) and not result.ok
    assert result.packages == ("libinhouse-gone7",)
    assert "sudo apt install libinhouse-gone7" in result.advice()


@linux_only
def test_doctor_reports_the_real_plugin(capsys: pytest.CaptureFixture[str]) -> None:
    plugin = qt_platform.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"  # PySide6's own plugin, found without Qt
    report = doctor._qt_platform()
    assert report["plugin"] == str(plugin)
    assert report["missing"] == list(check(plugin).missing)
    assert json.dumps(report)  # part of `inhouse doctor --json`


@linux_only
def test_gui_names_the_package_instead_of_crashing(
    plugin_missing_a_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    with pytest.raises(InhouseError) as raised:  # what `inhouse gui` checks before Qt is imported
        gui._check_platform_libraries(plugin_missing_a_library)
    assert "libinhouse-gone7" in str(raised.value) and raised.value.hint
