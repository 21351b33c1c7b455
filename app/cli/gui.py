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


def run_gui(args: argparse.Namespace) -> int:
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window flashes up; works headless
    elif sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
            and not os.environ.get("QT_QPA_PLATFORM"):
        raise InhouseError("No display found: the desktop app needs a graphical session.",
                           "Run it from your desktop, or use the command line (`inhouse classify --help`).")
    try:
        from ui.app import main
    except ImportError as exc:
        raise InhouseError(f"The desktop app cannot start: {exc}.",
                           "Install the GUI toolkit with `pip install PySide6-Essentials`.") from exc
    return main(screenshot=args.screenshot)
