"""The batch results file (JSONL, one record per item) and the task setup it was made with.

Next to ``results.jsonl`` sits ``results.jsonl.spec.json``: the task spec (task, labels and examples,
schema, summary shape, classifier or extractor profile), written before the first result. The results
file itself stays plain JSONL, one record per line, for any reader.

Before a run appends to an existing file, ``claim`` checks that it is a results file of this very setup,
so resuming never mixes answers of two setups and never overwrites a file that is not ours: a file whose
lines are not result records (a CSV, one of the inputs) is refused, and so is a file made with other
settings. Only a truly half-written last line (no newline at its end, left by a kill mid-write) is cut,
and its item redone. A results file from before sidecars existed (every line a record) is adopted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from app.json_files import JsonTooDeep, loads
from inference.errors import InputInvalid
from inference.tasks.base import TaskSpec
from inference.tasks.serialize import spec_to_json

FORMAT = "inhouse-batch-results"


class NotBatchResults(InputInvalid):
    """``--output`` names a file that is not a batch results file of this task setup."""

    hint = "Choose another --output file, or delete the file to start over."


def sidecar(output: Path) -> Path:
    return output.with_name(output.name + ".spec.json")


def scan(output: Path) -> tuple[set[str], int]:
    """The ids of the complete records in ``output`` and the bytes they take (anything after is the
    half-written last line). Raises ``NotBatchResults`` when a line that is not a half-written tail is
    not a result record."""
    ids: set[str] = set()
    good_bytes = 0
    with output.open("rb") as f:
        for number, line in enumerate(f, 1):
            record = _record(line)
            complete = line.endswith(b"\n")
            if record is None or not complete:
                if complete or (record is None and number == 1 and not _has_sidecar(output)):
                    raise NotBatchResults(f"{output}: line {number} is not a batch result record, so this is "
                                          "not a batch results file; it was left as it is.")
                break  # the last line, cut off by a kill: redone
            ids.add(str(record["id"]))
            good_bytes += len(line)
    return ids, good_bytes


def done_ids(output: Path) -> set[str]:
    """Ids already written; a last line cut off by a kill is dropped from the file (its item is redone)."""
    if not output.exists():
        return set()
    ids, good_bytes = scan(output)
    if good_bytes != output.stat().st_size:
        with output.open("r+b") as f:
            f.truncate(good_bytes)
    return ids


def claim(output: Path, spec: TaskSpec) -> None:
    """Make ``output`` this run's results file: new (its spec written alongside), or an existing one of
    the same spec. Refuses, touching nothing, a file that is not a results file or was made otherwise."""
    wanted = spec_to_json(spec)
    if output.exists() and output.stat().st_size > 0:
        scan(output)  # refuses a file whose lines are not records (only reads)
        stored = _stored_spec(output)
        if stored is not None and stored != wanted:
            raise NotBatchResults(
                f"{output} holds {stored.get('task', 'other')} results made with other settings "
                f"({_difference(stored, wanted)}); resuming would mix the two.",
                hint=f"Choose another --output file, or delete {output.name} and {sidecar(output).name} "
                     "to start over.")
        if stored is not None:
            return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = sidecar(output).with_name(sidecar(output).name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"format": FORMAT, "version": 1, "spec": wanted}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, sidecar(output))
    finally:
        tmp.unlink(missing_ok=True)


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        record = loads(line, "a results line")
    except (json.JSONDecodeError, UnicodeDecodeError, JsonTooDeep):
        return None
    return record if isinstance(record, dict) and "id" in record and "source" in record else None


def _has_sidecar(output: Path) -> bool:
    return _stored_spec(output) is not None


def _stored_spec(output: Path) -> dict[str, Any] | None:
    path = sidecar(output)
    if not path.is_file():
        return None
    try:
        data = loads(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, JsonTooDeep) as err:
        raise NotBatchResults(f"{path} is damaged ({err}).") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("spec"), dict):
        raise NotBatchResults(f"{path} is not the settings file of a batch results file.")
    spec: dict[str, Any] = data["spec"]
    return spec


def _difference(stored: dict[str, Any], wanted: dict[str, Any]) -> str:
    keys = [k for k in dict.fromkeys([*stored, *wanted]) if stored.get(k) != wanted.get(k)]
    if "task" in keys:
        return f"task {stored.get('task')}, not {wanted.get('task')}"
    shown = [f"{k} {_short(stored.get(k))}, not {_short(wanted.get(k))}" for k in keys[:2]]
    return "; ".join(shown)


def _short(value: Any) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) and all(isinstance(v, str) for v in value) \
        else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
