"""``make bench``: run every bench/bench_*.py and print ONE final JSON line merging their figures.

Each script stays runnable alone; its last stdout line is one JSON object of figures. Here each runs in
its own interpreter, one after the other (its table is shown as it goes), and the final line is

    {"machine": {cpu, cores, loadavg_before, loadavg_after, hog_ran, ...},
     "seconds": {script: wall seconds}, "failed": {script: why},
     "<script>": {its figures}, ..., "targets": {#11's targets: value, limit, met}}

where <script> is the file name without ``bench_`` (``engine``, ``cli``, ``gui``...). ``hog_ran`` lists the
scripts that started a CPU hog for their loaded figures (they say so with a ``hog`` figure). A failed
script is reported and the others still run; the exit status is then 1.
Usage: python bench/run_all.py [NAME ...]   (e.g. ``engine cli``; default: every script)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import load_average, machine

BENCH = Path(__file__).resolve().parent

# (script, figure, comparison, limit): the targets of issue #11, gathered from the scripts' figures
TARGETS = (
    ("cli", "cli_classify_wall_s", "<=", 1.2),
    ("engine", "loaded_vs_one_thread_quiet", ">=", 0.90),
    ("engine", "generate_vs_raw", ">=", 0.95),
    ("engine", "classify_vs_floor", "<=", 1.3),
    ("gui", "gui_visible_s", "<=", 1.0),
    ("gui", "gui_first_answer_s", "<=", 2.0),
    ("gui", "gui_longest_stall_ms", "<=", 100),  # the GUI thread after the first paint: no freeze over 100 ms
)


def scripts(names: list[str]) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py"))
    if not names:
        return found
    wanted = {f"bench_{n.removeprefix('bench_').removesuffix('.py')}.py" for n in names}
    unknown = wanted - {p.name for p in found}
    if unknown:
        raise SystemExit(f"no such bench script: {', '.join(sorted(unknown))} (have: "
                         f"{', '.join(p.stem.removeprefix('bench_') for p in found)})")
    return [p for p in found if p.name in wanted]


def run(script: Path) -> tuple[dict[str, Any] | None, float, str]:
    """Run one script, echoing its output; its last JSON line, its wall time, and why it failed (or "")."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], cwd=BENCH.parent, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        print(line, end="", flush=True)
        if line.strip():
            last = line.strip()
    code = proc.wait()
    elapsed = time.perf_counter() - start
    if code != 0:
        return None, elapsed, f"exit status {code}"
    try:
        figures = json.loads(last)
    except json.JSONDecodeError:
        return None, elapsed, "its last line is not JSON"
    if not isinstance(figures, dict):
        return None, elapsed, "its last line is not a JSON object"
    return figures, elapsed, ""


def targets(merged: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for script, key, op, limit in TARGETS:
        value = merged.get(script, {}).get(key)
        if isinstance(value, (int, float)):
            met = value <= limit if op == "<=" else value >= limit
            out[key] = {"value": value, "target": f"{op} {limit}", "met": met}
    return out


def main(argv: list[str]) -> int:
    chosen = scripts(argv)
    info = machine()
    before = info.pop("loadavg")
    merged: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    failed: dict[str, str] = {}
    for script in chosen:
        name = script.stem.removeprefix("bench_")
        print(f"== {script.name} (load average {load_average()})", flush=True)
        figures, elapsed, why = run(script)
        seconds[name] = round(elapsed, 1)
        if figures is None:
            failed[name] = why
            print(f"== {script.name} FAILED: {why}", flush=True)
        else:
            merged[name] = figures
    hogs = [name for name, figures in merged.items() if figures.get("hog")]
    final = {"machine": {**info, "loadavg_before": before, "loadavg_after": load_average(), "hog_ran": hogs},
             "seconds": seconds, "failed": failed, **merged, "targets": targets(merged)}
    print(json.dumps(final))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
