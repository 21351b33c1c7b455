"""How long until the app's window is visible: cold (first start, bundle evicted from the page cache, fresh
user folders) and warm (the same start again), on a real X server.

    .venv/bin/python packaging/measure_start.py dist/Inhouse/Inhouse [--warm 5]
    .venv/bin/python packaging/measure_start.py .venv/bin/inhouse      # the same from the venv, to compare

Starts Xvfb when there is no DISPLAY. The clock starts just before the process is spawned and stops when
X reports a viewable top-level window titled "Inhouse" (xdotool, polled every 20 ms). Nothing else is
timed. It also reports the CPU seconds the app had used when its window appeared (load-independent).
Prints one JSON line last, with the load average at the start so figures can be judged.
Needs the Debian packages xvfb and xdotool.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

POLL_S = 0.02
TIMEOUT_S = 120.0


def evict(folder: Path) -> int:
    """Drop ``folder``'s files from the page cache (posix_fadvise DONTNEED): the next start reads the disk."""
    count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            finally:
                os.close(fd)
    return count


@contextlib.contextmanager
def display() -> Iterator[str]:
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        raise SystemExit("Needs an X display, or the Debian packages xvfb and xdotool.")
    name = ":97"
    server = subprocess.Popen(["Xvfb", name, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        yield name
    finally:
        server.terminate()
        server.wait(10)


def window_visible(env: dict[str, str]) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Inhouse$"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return found.returncode == 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process has used so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def time_to_window(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the window is visible, and the CPU seconds the app used by then: on a loaded machine
    the wall time mostly measures the others' load; the CPU time is what a quiet machine would wait."""
    start = time.perf_counter()
    app = subprocess.Popen([*command, "gui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not window_visible(env):
            if app.poll() is not None:
                raise SystemExit(f"the app exited with {app.returncode} before showing its window")
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit("no window after two minutes")
            time.sleep(POLL_S)
        return time.perf_counter() - start, cpu_seconds(app.pid)
    finally:
        app.terminate()
        app.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("executable", type=Path, help="dist/Inhouse/Inhouse, or .venv/bin/inhouse")
    parser.add_argument("--warm", type=int, default=5, help="warm starts after the cold one")
    args = parser.parse_args()
    exe = args.executable.resolve()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as home, display() as name:
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "DISPLAY": name, "LANG": "C.UTF-8"}
        evicted = evict(exe.parent)
        cold, cold_cpu = time_to_window([str(exe)], env)
        warm_runs = [time_to_window([str(exe)], env) for _ in range(args.warm)]
    warm = [w for w, _ in warm_runs]
    result = {"executable": str(exe), "cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
              "warm_s": [round(w, 3) for w in warm], "cold_cpu_s": round(cold_cpu, 2),
              "warm_cpu_median_s": round(statistics.median(c for _, c in warm_runs), 2), "files_evicted": evicted,
              "load_average_1_5_15": [round(x, 2) for x in load], "cores": os.cpu_count()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
