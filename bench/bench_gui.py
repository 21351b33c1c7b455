"""Desktop app start-up: launch -> window visible, and launch -> first answer, cold, with the starter model.

Each run is a fresh interpreter that starts the real entry point (``app.cli.main(["gui"])``, as
``inhouse gui`` does) with Qt offscreen. An event filter on the main window, installed as it is built,
notes its first paint ("visible") with the process's CPU time until then (all threads, and the GUI thread
alone); at that moment it types a one-line message into the Assistant page and presses Run as a person
would, and notes when the answer is shown. From the paint until 3 s after launch a 10 ms heartbeat timer
runs on the GUI thread: the longest gap between its ticks, less 10 ms, is the longest stall (work that
froze the window: over 100 ms is a regression). Times are from just before the interpreter was started.

The first launch (which creates the database and writes the bytecode caches) is not timed. The launches
run with bytecode caches, as an installed app has them (pip and the PyInstaller bundle compile every
module): a ``PYTHONDONTWRITEBYTECODE`` in the bench's environment is dropped for them, since otherwise
each launch would compile our few hundred modules from source again.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import load_average  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
TEXT = "I love the new update, everything is faster now!"
TIMEOUT_S = 120
WATCH_S = 3.0  # the heartbeat watches the GUI thread from the first paint until this long after launch
BEAT_MS = 10


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

    def watch(main_window: ModuleType) -> None:  # ui.main_window was just imported: watch each window built
        cls = main_window.MainWindow
        build = cls.__init__

        def build_and_watch(window: Any, *args: Any, **kwargs: Any) -> None:
            build(window, *args, **kwargs)
            install_probe(window, t0, marks)

        cls.__init__ = build_and_watch

    sys.meta_path.insert(0, _WhenImported("ui.main_window", watch))
    from app.cli import main

    code = main(["gui"])
    print(json.dumps({**marks, "exit_code": code}))


def install_probe(window: Any, t0: float, marks: dict[str, float]) -> None:
    """Note the window's first paint, then run one classify as a person would, note the answer, and watch
    the GUI thread with a heartbeat until ``WATCH_S`` after launch."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    beats: list[float] = []

    def beat() -> None:
        beats.append(time.perf_counter())
        if time.time() - t0 >= WATCH_S:
            heartbeat.stop()
            marks["stall_ms"] = max(0.0, max(b - a for a, b in zip(beats, beats[1:], strict=False)) * 1000 - BEAT_MS)
            finish()

    def finish() -> None:
        if "first_answer_s" in marks and "stall_ms" in marks:
            window.close()

    def answered(_outcome: object) -> None:
        marks.setdefault("first_answer_s", time.time() - t0)
        finish()

    def submit() -> None:
        page = window.assistant_page
        page.outcome_ready.connect(answered)
        page.panel.set_task("classify")
        page.panel.set_text(TEXT)
        marks["submitted_s"] = time.time() - t0
        page.run()

    heartbeat = QTimer(window)
    heartbeat.setInterval(BEAT_MS)
    heartbeat.timeout.connect(beat)
    paint = QEvent.Type.Paint

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if "visible_s" not in marks and event.type() == paint:
                marks["visible_s"] = time.time() - t0
                cpu = os.times()
                marks["visible_cpu_s"] = cpu.user + cpu.system  # every thread of the process, since launch
                marks["visible_gui_thread_cpu_s"] = time.thread_time()
                window.removeEventFilter(self)
                beats.append(time.perf_counter())
                heartbeat.start()
                QTimer.singleShot(0, submit)
            return False

    watcher = Watch(window)
    window.installEventFilter(watcher)


def launch(home: Path) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INHOUSE_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the docstring: launches use bytecode, as installed apps do
    t0 = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", repr(t0)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"the app did not start: {proc.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(lines[-1])
    if "first_answer_s" not in marks or "stall_ms" not in marks:
        raise SystemExit(f"no answer arrived, or the watch did not end: {marks} {proc.stderr[-2000:]}")
    return marks


def measure(runs: int = RUNS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="inhouse-bench-gui-") as tmp:
        home = Path(tmp)
        launch(home)  # first launch: creates the database and settings, writes bytecode caches; not timed
        before = load_average()
        results = [launch(home) for _ in range(runs)]
        after = load_average()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    after_submit = statistics.median(r["first_answer_s"] - r["submitted_s"] for r in results)
    return {"gui_visible_s": median("visible_s"), "gui_first_answer_s": median("first_answer_s"),
            "gui_answer_after_submit_s": after_submit, "gui_visible_cpu_s": median("visible_cpu_s"),
            "gui_visible_gui_thread_cpu_s": median("visible_gui_thread_cpu_s"),
            "gui_longest_stall_ms": max(r["stall_ms"] for r in results), "gui_stall_window_s": WATCH_S,
            "gui_visible_target_s": 1.0, "gui_first_answer_target_s": 2.0, "gui_stall_limit_ms": 100,
            "runs": runs, "loadavg_before": before, "loadavg_after": after}


def main() -> None:
    results = measure()
    for key, value in results.items():
        print(f"{key:<30} {value:.3f}" if isinstance(value, float) else f"{key:<30} {value}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(float(sys.argv[2]))
    else:
        main()
