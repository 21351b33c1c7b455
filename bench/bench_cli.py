"""Command-line start-up and the warm path for scripts (#11), each command a fresh interpreter as a user runs it.

- cli_classify_wall_s: ``inhouse classify --json --labels positive,negative "<one line>"``, launch to exit,
  median of RUNS (target <= 1.2 s); also with one core taken by a CPU hog this script starts and stops.
- python_floor_s: ``python -c pass`` (the interpreter alone), for scale.
- batch: BATCH_N one-line messages as BATCH_N separate ``inhouse classify`` commands, against one
  ``inhouse batch classify`` over a .txt of the same lines: seconds per message each way, and the ratio.
  (A local daemon could at best bring a separate command down to the batch's per-message time plus the
  client's start-up: this is the figure the choice "batch, no daemon" in README.md rests on.)
A fresh INHOUSE_HOME is used; its first command (which creates the database and writes any missing bytecode
caches: a PYTHONDONTWRITEBYTECODE in the environment is dropped, as bench_gui.py explains) is not timed.
Prints a table, then one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import cpu_hog, load_average, machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
BATCH_N = 10
LABELS = "positive,negative"
LINE = "I love the new update, everything is faster now!"
MESSAGES = [
    "The app crashed twice today and I lost my notes.",
    "Thanks for the quick reply, that fixed it.",
    "Why was I charged twice this month?",
    "Great support, very friendly staff.",
    "The delivery is three days late again.",
    "I really like the new dark mode.",
    "Nothing works since the last update.",
    "Setup took two minutes, impressive.",
    "I want a refund, this is useless.",
    "Everything arrived on time and well packed.",
]


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def classify_cmd(text: str) -> list[str]:
    return [sys.executable, "-m", "app", "classify", "--json", "--labels", LABELS, text]


def bench_one_line(env: dict[str, str], runs: int) -> dict[str, object]:
    timed(classify_cmd(LINE), env)  # creates the database and settings; not timed
    floor = statistics.median(timed([sys.executable, "-c", "pass"], env) for _ in range(runs))
    quiet = statistics.median(timed(classify_cmd(LINE), env) for _ in range(runs))
    before = load_average()
    with cpu_hog(1):
        loaded = statistics.median(timed(classify_cmd(LINE), env) for _ in range(runs))
    return {"python_floor_s": floor, "cli_classify_wall_s": quiet, "cli_classify_loaded_wall_s": loaded,
            "cli_classify_target_s": 1.2, "hog": 1, "loadavg_before_hog": before}


def bench_batch(env: dict[str, str], home: Path, n: int) -> dict[str, object]:
    lines = (MESSAGES * (n // len(MESSAGES) + 1))[:n]
    start = time.perf_counter()
    for text in lines:
        timed(classify_cmd(text), env)
    separate = (time.perf_counter() - start) / n
    source = home / "messages.txt"
    source.write_text("\n".join(lines) + "\n")
    output = home / "results.jsonl"
    whole = timed([sys.executable, "-m", "app", "batch", "classify", str(source), "--labels", LABELS,
                   "--output", str(output)], env)
    done = sum(1 for line in output.read_text().splitlines() if line.strip())
    if done != n:
        raise SystemExit(f"the batch wrote {done} results for {n} messages")
    return {"batch_n": n, "separate_commands_s_per_message": separate, "batch_s_per_message": whole / n,
            "batch_speedup_vs_separate": separate / (whole / n)}


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    info = machine()
    with tempfile.TemporaryDirectory(prefix="inhouse-bench-cli-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "INHOUSE_HOME": str(home)}
        env.pop("ANTHROPIC_API_KEY", None)  # a local-only measurement: nothing may leave
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # commands run with bytecode caches, as an installed app has
        results: dict[str, object] = bench_one_line(env, 1 if quick else RUNS)
        results.update(bench_batch(env, home, 3 if quick else BATCH_N))
    results["machine"] = {**info, "loadavg_after": load_average()}
    for key, value in results.items():
        print(f"{key:<34} {value:.3f}" if isinstance(value, float) else f"{key:<34} {value}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
