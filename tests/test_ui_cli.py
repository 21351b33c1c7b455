"""``inhouse gui --screenshot PATH``: starts the real app offscreen, saves the main window, exits 0."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.model]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_gui_screenshot_saves_the_laid_out_main_window(tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "main.png"
    shot.parent.mkdir()  # the CLI writes into a folder that exists (it never creates one: app/output_paths.py)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INHOUSE_N_CTX": "1024",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # never the real keyring
    done = subprocess.run([sys.executable, "-m", "app", "gui", "--screenshot", str(shot)], env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert png_size(shot) == (1240, 800)
