"""Helpers shared by the bench scripts: the machine they ran on, and a CPU hog for the loaded figures."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HOG_CODE = "while True:\n    pass\n"


def machine() -> dict[str, object]:
    """CPU model, usable cores and the load average now (what every figure must be read against)."""
    return {"cpu": cpu_model(), "cores": usable_cores(), "loadavg": load_average(),
            "python": platform.python_version(), "system": platform.system()}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


@contextlib.contextmanager
def cpu_hog(n: int = 1, settle_s: float = 0.5) -> Iterator[list[int]]:
    """``n`` other processes, each spinning on one core, for the duration of the block (then stopped).

    They run at the same priority as the bench: the situation of a laptop where another program is busy.
    """
    procs = [subprocess.Popen([sys.executable, "-c", HOG_CODE]) for _ in range(n)]
    try:
        time.sleep(settle_s)  # let them be scheduled before anything is timed
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
