"""Run one task over many texts, resumably: a killed process loses nothing.

Input: a text file (one item per line), JSONL (objects with "text" and optionally "id") or CSV (a "text"
column, optional "id"). Output: JSONL, one line per item, appended and flushed to disk as each finishes.
On restart the items whose ids are already in the output are skipped, so a run killed mid-batch picks up
where it stopped. An item that fails gets an ``error`` line and the batch goes on.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.assistant import Assistant
from app.consent import ConsentGate
from app.inputs import read_text_file
from inference.errors import InhouseError, InputInvalid
from inference.tasks.base import TaskRequest, TaskSpec


@dataclass(frozen=True)
class BatchItem:
    id: str
    text: str


@dataclass(frozen=True)
class BatchReport:
    total: int
    done_before: int
    processed: int
    failed: int


def read_items(path: Path) -> list[BatchItem]:
    text = read_text_file(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return list(_jsonl_items(text, path))
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "text" not in rows[0]:
            raise InputInvalid(f"{path.name} needs a header row with a 'text' column.")
        return [BatchItem(str(r.get("id") or n), r["text"]) for n, r in enumerate(rows, 1) if r.get("text")]
    return [BatchItem(str(n), line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _jsonl_items(text: str, path: Path) -> Iterator[BatchItem]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputInvalid(f"{path.name} line {n} is not JSON: {err.msg}.") from err
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputInvalid(f"{path.name} line {n} needs a \"text\" string.")
        yield BatchItem(str(obj.get("id", n)), obj["text"])


def done_ids(output: Path) -> set[str]:
    """Ids already written; a last line cut off by a kill is dropped (and its item redone)."""
    if not output.exists():
        return set()
    ids: set[str] = set()
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    good = []
    for line in lines:
        try:
            ids.add(str(json.loads(line)["id"]))
            good.append(line)
        except (json.JSONDecodeError, KeyError, TypeError):
            break
    if len(good) != len(lines):
        output.write_text("".join(good), encoding="utf-8")
    return ids


def run_batch(
    assistant: Assistant, items: list[BatchItem], spec: TaskSpec, output: Path, gate: ConsentGate,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    seen = done_ids(output)
    todo = [item for item in items if item.id not in seen]
    failed = 0
    with output.open("a", encoding="utf-8") as out:
        for n, item in enumerate(todo, 1):
            try:
                outcome = assistant.run(TaskRequest(item.text, spec), gate)
                record = {"id": item.id, **outcome.to_json()}
            except InhouseError as err:
                failed += 1
                record = {"id": item.id, "error": str(err)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
            if progress:
                progress(n, len(todo))
    return BatchReport(len(items), len(items) - len(todo), len(todo), failed)
