"""How many threads llama.cpp should use for the next request: the cores that are free now (#11).

llama.cpp splits every matrix product between its threads and waits for the slowest at each step. When
another process holds a core, the thread that shares it runs at a fraction of the speed and the others
wait for it: on 2 cores with one busy, the starter model generated 40 tokens/s with 2 threads against
76 with 1 (and 115 with 2 on the quiet machine). So the engine asks before every request:

    threads = max(1, min(ceiling, usable cores - cores other processes keep busy))

where ``ceiling`` is ``default_threads()`` (every core up to 4, else half of them) and "busy" is

- Linux: the number of runnable threads right now (``/proc/loadavg``, 4th field) less this process's own
  runnable threads (``/proc/self/task/*/stat``: the asking thread, and llama.cpp's OpenMP workers, which
  spin for a few milliseconds after each decode), the median of a few samples ~0.5 ms apart, so one
  short-lived task does not halve the quiet speed;
- elsewhere with ``os.getloadavg`` (macOS, BSD): the 1-minute load average minus this process's own
  share of it (its CPU time decayed with the same 1-minute constant);
- where neither exists (Windows): nothing is known and the ceiling is used.
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

LOADAVG = Path("/proc/loadavg")
OWN_TASKS = Path("/proc/self/task")
SAMPLES = 5
SAMPLE_GAP_S = 0.0005
_MINUTE = 60.0


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_threads(cores: int | None = None) -> int:
    """Threads on a quiet machine: every core up to 4, else half of them (at least 4)."""
    cores = cores or usable_cores()
    return cores if cores <= 4 else max(4, cores // 2)


def fit_threads(ceiling: int, cores: int, busy: float | None) -> int:
    """At most ``ceiling`` threads, one per core nobody else is using; never fewer than one."""
    if busy is None:
        return max(1, ceiling)
    free = cores - math.floor(busy + 0.5)
    return max(1, min(ceiling, free))


def running_now(path: Path = LOADAVG) -> int | None:
    """Runnable threads on the machine at this instant (Linux), or None where that cannot be read."""
    try:
        field = path.read_text().split()[3]  # "running/total"
        return int(field.split("/")[0])
    except (OSError, IndexError, ValueError):
        return None


def own_running(tasks: Path = OWN_TASKS) -> int | None:
    """This process's threads that are runnable now (Linux), or None where that cannot be read."""
    try:
        names = os.listdir(tasks)
    except OSError:
        return None
    count = 0
    for name in names:
        try:
            stat = (tasks / name / "stat").read_bytes()  # "tid (command) S ...": the state follows the last ")"
        except OSError:
            continue  # the thread ended meanwhile
        end = stat.rfind(b")")
        if end >= 0 and stat[end + 2:end + 3] == b"R":
            count += 1
    return count


def running_elsewhere() -> int | None:
    """Runnable threads of other processes now (Linux), or None where that cannot be read."""
    total = running_now()
    if total is None:
        return None
    own = own_running()
    return max(0, total - (own if own else 1))  # at least the asking thread is ours


def one_minute_load() -> float | None:
    """The 1-minute load average (macOS, BSD, Linux), or None where the OS has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


class LoadProbe:
    """Estimates how many cores other processes keep busy. One per engine; cheap (~2 ms) to ask."""

    def __init__(self, read_running: Callable[[], int | None] = running_elsewhere,
                 loadavg: Callable[[], float | None] = one_minute_load) -> None:
        self._read_running = read_running
        self._loadavg = loadavg
        self._lock = threading.Lock()
        self._own_load = 0.0  # this process's share of the 1-minute load average
        self._last_wall = time.monotonic()
        self._last_cpu = _cpu_seconds()

    def busy_elsewhere(self) -> float | None:
        """Cores kept busy by other processes now, or None when the OS does not say."""
        samples = self._samples()
        if samples:
            return float(statistics.median(samples))
        load = self._loadavg()
        if load is None:
            return None
        return max(0.0, load - self._own_share())

    def _samples(self) -> list[int]:
        values = []
        for i in range(SAMPLES):
            value = self._read_running()
            if value is None:
                return []
            values.append(value)
            if i < SAMPLES - 1:
                time.sleep(SAMPLE_GAP_S)
        return values

    def _own_share(self) -> float:
        """Our CPU use folded into a 1-minute exponential average, as the kernel folds runnable tasks."""
        with self._lock:
            now, cpu = time.monotonic(), _cpu_seconds()
            dt = max(now - self._last_wall, 1e-6)
            rate = max(0.0, cpu - self._last_cpu) / dt
            decay = math.exp(-dt / _MINUTE)
            self._own_load = self._own_load * decay + rate * (1 - decay)
            self._last_wall, self._last_cpu = now, cpu
            return self._own_load




def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class ThreadChooser:
    """The thread count for each request: fixed when configured, else fitted to the load.

    One answer is reused for ``max_age_s`` (a classify makes three engine calls within milliseconds)."""

    def __init__(self, fixed: int | None = None, probe: LoadProbe | None = None, max_age_s: float = 0.25,
                 ceiling: int | None = None) -> None:
        self.fixed = fixed
        self.cores = usable_cores()
        self.ceiling = fixed or ceiling or default_threads(self.cores)
        self.probe = probe or LoadProbe()
        self.max_age_s = max_age_s
        self._last: tuple[float, int] | None = None

    def choose(self) -> int:
        if self.fixed:
            return self.fixed
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.max_age_s:
            return self._last[1]
        n = fit_threads(self.ceiling, self.cores, self.probe.busy_elsewhere())
        self._last = (now, n)
        return n
