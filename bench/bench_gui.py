"""Desktop app start-up: launch -> window visible, and launch -> first answer, cold, with the starter model.

Each run is a fresh interpreter that starts the real entry point (``app.cli.main(["gui"])``, as
``inhouse gui`` does) with Qt offscreen. An application-wide event filter, installed before the app is
built, notes the first paint of the main window ("visible"); at that moment it types a one-line message
into the Assistant page and presses Run as a person would, and notes when the answer is shown. Times are
from just before the interpreter was started. The first launch (which creates the database) is not timed.

Targets: window visible <= 1.0 s, first answer <= 2.0 s. Prints a table, then one JSON line.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
TEXT = "I love the new update, everything is faster now!"
TIMEOUT_S = 120


class _WhenImported(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` right after ``name`` is first imported (the probe adds nothing before it)."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        assert spec is not None and spec.loader is not None
        run_module, then = spec.loader.exec_module, self.then

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            then(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def child(t0: float) -> None:
    """Runs inside the launched interpreter (``--child T0``): the real entry point, watched from Qt's side."""
    marks: dict[str, float] = {}

    def watch(ui_app: ModuleType) -> None:  # ui.app was just imported (PySide6 with it): wrap its app factory
        create = ui_app.create_application

        def create_and_watch(*args: Any, **kwargs: Any) -> Any:
            app = create(*args, **kwargs)
            install_probe(app, t0, marks)
            return app

        setattr(ui_app, "create_application", create_and_watch)  # noqa: B010 - a module, patched once

    sys.meta_path.insert(0, _WhenImported("ui.app", watch))
    from app.cli import main

    code = main(["gui"])
    print(json.dumps({**marks, "exit_code": code}))


def install_probe(app: Any, t0: float, marks: dict[str, float]) -> None:
    """Note the main window's first paint, then run one classify as a person would and note the answer."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    def main_window() -> QWidget | None:
        return next((w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow"), None)

    def answered(_outcome: object) -> None:
        marks.setdefault("first_answer_s", time.time() - t0)
        window = main_window()
        if window is not None:
            window.close()

    def submit() -> None:
        window = main_window()
        assert window is not None
        page = window.assistant_page  # type: ignore[attr-defined]
        page.outcome_ready.connect(answered)
        page.panel.set_task("classify")
        page.panel.set_text(TEXT)
        marks["submitted_s"] = time.time() - t0
        page.run()

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if "visible_s" not in marks and event.type() == QEvent.Type.Paint and obj is main_window():
                marks["visible_s"] = time.time() - t0
                QTimer.singleShot(0, submit)
            return False

    watcher = Watch(app)
    app.installEventFilter(watcher)


def launch(home: Path) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INHOUSE_HOME": str(home)}
    t0 = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", repr(t0)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"the app did not start: {proc.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(lines[-1])
    if "first_answer_s" not in marks:
        raise SystemExit(f"no answer arrived: {marks} {proc.stderr[-2000:]}")
    return marks


def measure(runs: int = RUNS) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="inhouse-bench-gui-") as tmp:
        home = Path(tmp)
        launch(home)  # first launch: creates the database and settings; not timed
        results = [launch(home) for _ in range(runs)]
    visible = statistics.median(r["visible_s"] for r in results)
    answer = statistics.median(r["first_answer_s"] for r in results)
    after_submit = statistics.median(r["first_answer_s"] - r["submitted_s"] for r in results)
    return {"gui_visible_s": visible, "gui_first_answer_s": answer, "gui_answer_after_submit_s": after_submit,
            "gui_visible_target_s": 1.0, "gui_first_answer_target_s": 2.0}


def main() -> None:
    results = measure()
    for key, value in results.items():
        print(f"{key:<28} {value:.3f}")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(float(sys.argv[2]))
    else:
        main()
