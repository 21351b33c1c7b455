"""Batch runs are resumable: a run killed mid-batch loses nothing and does nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.batch import done_ids, read_items
from app.cli import main
from tests.test_cli_tasks import every_connection  # noqa: F401

MESSAGES = [
    "I love this, thank you so much!",
    "Terrible service, I want a refund now.",
    "Great job, the team was wonderful.",
    "This is the worst app I have ever used.",
    "Fantastic, everything works perfectly.",
    "Awful. It crashed three times today.",
]


def test_killed_batch_resumes_without_loss_or_repeats(tmp_path: Path, inhouse_home: Path) -> None:
    source = tmp_path / "messages.txt"
    source.write_text("\n".join(MESSAGES * 3))
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "app", "batch", "classify", str(source), "--output", str(out),
           "--labels", "positive,negative"]
    env = {**os.environ, "INHOUSE_HOME": str(inhouse_home)}
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(done_ids(out)) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with out.open("a") as f:  # a line half-written at the moment of the kill
        f.write('{"id": "9999", "outp')
    before = done_ids(out)
    assert 3 <= len(before) < len(MESSAGES) * 3
    assert main(["batch", "classify", str(source), "--output", str(out), "--labels", "positive,negative"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [line["id"] for line in lines]
    assert sorted(ids, key=int) == [str(n) for n in range(1, len(MESSAGES) * 3 + 1)]  # each once, none lost
    assert all(line["tier"] == "local" for line in lines)


def test_jsonl_and_csv_inputs(tmp_path: Path) -> None:
    jl = tmp_path / "a.jsonl"
    jl.write_text('{"id": "x1", "text": "hello"}\n{"text": "bye"}\n')
    assert [(i.id, i.text) for i in read_items(jl)] == [("x1", "hello"), ("2", "bye")]
    cs = tmp_path / "a.csv"
    cs.write_text("id,text\nq,first\nr,second\n")
    assert [i.id for i in read_items(cs)] == ["q", "r"]


def test_batch_makes_no_connection_without_consent(
    tmp_path: Path, every_connection: list[tuple[str, object]], always_escalate: Path
) -> None:
    from app.secrets import set_api_key

    set_api_key("sk-ant-test-not-used")
    source = tmp_path / "two.txt"
    source.write_text("Where is my card?\nI was charged twice.")
    out = tmp_path / "o.jsonl"
    assert main(["batch", "classify", str(source), "--output", str(out), "--labels", "card,charge"]) == 0
    assert len(out.read_text().splitlines()) == 2
    assert every_connection == []
