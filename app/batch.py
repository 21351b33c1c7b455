"""Run one task over many items, resumably: a killed process loses nothing and repeats nothing.

Items come from ``app.batch_sources`` (folders, files, mailboxes, record files), read one at a time.
Output: JSONL, one line per item, appended, flushed and fsynced as each finishes. On restart the ids
already in the output are skipped (a last line cut off by a kill is dropped and its item redone), so a
run killed mid-batch, or paused, or on a laptop whose lid closed, picks up where it stopped. An item that
fails gets an ``error`` line and the batch goes on. The task spec is kept next to the output and an
output that is not a results file of this spec is refused untouched (``app.batch_output``).

``process_item`` is the one function that turns one item into one record. With an organisation's server
in the policy, ``org.max_in_flight`` items run at once (``app.inflight.map_in_order``: their requests to
the server overlap, the device's model stays one at a time) and lines are still written in input order,
so resuming works the same; an item in flight when the run is killed is simply redone.
Answers that would need the user's consent are never sent from a batch unless ``escalation`` says so:
"later" keeps them in the offline queue (``inhouse queue send``), "no" keeps the local answer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from app.assistant import Assistant
from app.batch_output import claim, done_ids
from app.batch_sources import BatchItem, BatchSource, Pending, line_items, record_items
from app.consent import FixedAnswer
from app.inflight import map_in_order
from inference.engine import CancelToken
from inference.errors import Cancelled, InhouseError
from inference.tasks.base import TaskRequest, TaskSpec

Escalation = Literal["no", "later", "yes"]

__all__ = ["BatchControl", "BatchItem", "BatchProgress", "BatchReport", "BatchSource", "done_ids", "pending",
           "process_item", "read_items", "run_batch"]


@dataclass(frozen=True)
class BatchReport:
    total: int
    done_before: int
    processed: int
    failed: int
    queued: int = 0
    stopped: bool = False  # paused or cancelled before the end (run again to resume)


@dataclass(frozen=True)
class BatchProgress:
    """After each item: counts, the rate of this run and the time left; ``record`` is the line written."""

    done: int  # finished in total, including earlier runs
    total: int
    processed: int  # in this run
    failed: int
    elapsed_s: float
    record: dict[str, Any]

    @property
    def per_minute(self) -> float:
        return 60.0 * self.processed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.processed == 0:
            return None
        return (self.total - self.done) * self.elapsed_s / self.processed


class BatchControl:
    """Pause (stop after the current item) or cancel (stop now; the current item is redone next time)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.token = CancelToken()

    def pause(self) -> None:
        self._stop.set()

    def cancel(self) -> None:
        self._stop.set()
        self.token.cancel()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


def read_items(path: Path) -> list[BatchItem]:
    """The items of a line or record file, as before (``.txt`` one per line, ``.jsonl``, ``.csv``)."""
    return record_items(path) if path.suffix.lower() in (".jsonl", ".ndjson", ".csv") else line_items(path)


def process_item(
    assistant: Assistant, item: Pending, spec: TaskSpec, escalation: Escalation = "no",
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """One item to one output record (``error`` and ``hint`` when it could not be done)."""
    record: dict[str, Any] = {"id": item.id, "source": item.source}
    try:
        request = TaskRequest(item.load(), spec)
        if escalation == "later":
            outcome = assistant.run(request, None, cancel, defer=True)
        else:
            outcome = assistant.run(request, FixedAnswer(escalation == "yes"), cancel)
    except Cancelled:
        raise
    except InhouseError as err:
        return {**record, "error": str(err), "hint": err.hint}
    return {**record, **outcome.to_json(), "queued": outcome.queue_id is not None}


def run_batch(
    assistant: Assistant, items: Iterable[Pending], total: int, spec: TaskSpec, output: Path,
    escalation: Escalation = "no", progress: Callable[[BatchProgress], None] | None = None,
    control: BatchControl | None = None,
) -> BatchReport:
    """Run ``spec`` over ``items`` (``total`` of them, for progress), appending to ``output``; items whose
    ids are there already are skipped without being read. ``output`` must be new or a results file of
    this same ``spec`` (``app.batch_output.claim``: anything else is refused, untouched)."""
    claim(output, spec)
    seen = done_ids(output)
    control = control or BatchControl()
    done_before = len(seen)
    processed = failed = queued = 0
    start = time.monotonic()
    def fresh() -> Iterator[Pending]:
        for item in items:
            if item.id not in seen:
                seen.add(item.id)  # claimed when started: a repeated id is not run twice at once
                yield item

    def one(item: Pending) -> dict[str, Any]:
        return process_item(assistant, item, spec, escalation, control.token)

    with output.open("a", encoding="utf-8") as out:
        for _, record in map_in_order(one, fresh(), in_flight(assistant), stop=lambda: control.stopped):
            if isinstance(record, Cancelled):
                break  # not written: redone next time
            if isinstance(record, Exception):
                raise record
            _append(out, record)
            processed += 1
            failed += "error" in record
            queued += bool(record.get("queued"))
            if progress:
                progress(BatchProgress(done_before + processed, total, processed, failed,
                                       time.monotonic() - start, record))
    stopped = control.stopped and done_before + processed < total
    return BatchReport(total, done_before, processed, failed, queued, stopped)


def in_flight(assistant: Assistant) -> int:
    """Items processed at once: ``org.max_in_flight`` when the policy names an organisation's server (its
    requests overlap, answers are written in input order), else one at a time."""
    org = assistant.effective.policy.org
    return org.max_in_flight if org.enabled else 1


def pending(items: list[BatchItem], source: str = "") -> list[Pending]:
    """Items whose text is known, as batch items."""
    return [Pending(item.id, source, partial(str, item.text)) for item in items]


def _append(out: Any, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    os.fsync(out.fileno())
