"""Batch jobs the app runs: each in its own folder under the data dir, so a crash or a closed laptop can
resume it. ``batch.json`` holds what was asked (inputs, task settings, escalation, total); ``results.jsonl``
is the resumable output of ``app.batch.run_batch``."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.batch import Escalation, done_ids
from inference.tasks.base import TaskSpec
from inference.tasks.serialize import spec_from_json, spec_to_json


@dataclass(frozen=True)
class BatchJob:
    folder: Path
    inputs: tuple[Path, ...]
    spec: TaskSpec
    escalation: Escalation
    total: int
    created: float
    state: str = "running"  # running | finished | cancelled

    @property
    def results(self) -> Path:
        return self.folder / "results.jsonl"

    @property
    def title(self) -> str:
        names = ", ".join(p.name for p in self.inputs[:2]) + (" …" if len(self.inputs) > 2 else "")
        return f"{self.spec.task} over {names}"

    def done(self) -> int:
        return len(done_ids(self.results))

    def with_state(self, state: str) -> BatchJob:
        job = BatchJob(self.folder, self.inputs, self.spec, self.escalation, self.total, self.created, state)
        _write_manifest(job)
        return job


def jobs_dir() -> Path:
    return paths.current().data_dir / "batches"


def create(inputs: list[Path], spec: TaskSpec, escalation: Escalation, total: int) -> BatchJob:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = jobs_dir() / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = jobs_dir() / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    job = BatchJob(folder, tuple(p.resolve() for p in inputs), spec, escalation, total, time.time())
    _write_manifest(job)
    return job


def _write_manifest(job: BatchJob) -> None:
    data: dict[str, Any] = {"inputs": [str(p) for p in job.inputs], "spec": spec_to_json(job.spec),
                            "escalation": job.escalation, "total": job.total, "created": job.created,
                            "state": job.state}
    tmp = job.folder / "batch.json.tmp"
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, job.folder / "batch.json")


def load(folder: Path) -> BatchJob | None:
    try:
        data = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
        return BatchJob(folder, tuple(Path(p) for p in data["inputs"]), spec_from_json(data["spec"]),
                        data["escalation"], int(data["total"]), float(data["created"]), str(data["state"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged or foreign folder is not offered for resuming


def unfinished() -> BatchJob | None:
    """The newest job that stopped before its end (crash, closed window, pause), if any."""
    if not jobs_dir().is_dir():
        return None
    for folder in sorted(jobs_dir().iterdir(), reverse=True):
        job = load(folder)
        if job is not None and job.state == "running" and all(p.exists() for p in job.inputs) \
                and job.done() < job.total:
            return job
    return None
