"""``inhouse gui [--screenshot PATH]``: open the desktop app (PySide6 is imported only here)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from inference.errors import InhouseError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("--screenshot", type=Path, metavar="PATH",
                   help="start the app, save a PNG of the main window to PATH and exit (offscreen by default)")
    p.set_defaults(func=run_gui)


def _check_platform_libraries(plugin: Path | None = None) -> None:
    """On an X11 desktop, say which package is missing before Qt aborts with "could not load the Qt
    platform plugin" (a minimal Debian lacks libxcb-cursor0, for one)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    on_x11 = os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if not sys.platform.startswith("linux") or not on_x11 or platform not in ("", "xcb"):
        return
    from app.qt_platform import check

    result = check(plugin)
    if not result.ok:
        raise InhouseError(result.advice(), "Install the packages named, then start Inhouse again "
                                            "(`inhouse doctor` checks again).")


def run_gui(args: argparse.Namespace) -> int:
    """Start the app. The non-Qt part (``app.assistant`` and what it needs) is imported before PySide6:
    once PySide6 is loaded it reads the source of every module imported after it (looking for its
    ``__feature__`` switches), which cost ~0.2-0.4 s of start-up for our few hundred modules (#11)."""
    if args.screenshot is not None:
        from app.output_paths import writable_file

        writable_file(args.screenshot, "--screenshot")  # before the window: a missing folder is not created
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window flashes up; works headless
    elif sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
            and not os.environ.get("QT_QPA_PLATFORM"):
        raise InhouseError("No display found: the desktop app needs a graphical session.",
                           "Run it from your desktop, or use the command line (`inhouse classify --help`).")
    _check_platform_libraries()
    import app.assistant  # noqa: F401 - before PySide6: see the docstring

    try:
        from ui.app import main
    except ImportError as exc:
        raise InhouseError(f"The desktop app cannot start: {exc}.",
                           "Install the GUI toolkit with `pip install PySide6-Essentials`.") from exc
    return main(screenshot=args.screenshot)
