"""The bundle's entry point: ``Inhouse`` (no arguments) opens the desktop app; ``Inhouse COMMAND ...``
is the ``inhouse`` command line (``Inhouse --version``, ``Inhouse doctor --json``, ``Inhouse gui``).

PyInstaller freezes this file (packaging/inhouse.spec); from a source checkout use ``inhouse`` instead.
"""

from __future__ import annotations

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start a second app
    sys.exit(main(sys.argv[1:] or ["gui"]))
