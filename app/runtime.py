"""Builds what a CLI run needs (engine, policy, store, consent gate) and runs one request."""

from __future__ import annotations

import sys
from collections.abc import Callable

from app.assistant import Assistant
from app.consent import gate_for_cli
from app.outcome import Outcome
from inference.cancel import CancelToken
from inference.tasks.base import TaskRequest


def open_assistant() -> Assistant:
    """The command's one Assistant; what is wrong with the policy files (each problem names its file, the
    key, why, and that the safest value is used) and with the database is said once, on stderr, here."""
    assistant = Assistant()
    for problem in assistant.effective.problems:
        print(f"inhouse: policy: {problem}", file=sys.stderr)
    if assistant.store_problem:
        print(f"inhouse: history and the audit log are unavailable: {assistant.store_problem}", file=sys.stderr)
    return assistant


def run_request(request: TaskRequest, *, consent: str | None, local_only: bool, as_json: bool,
                progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Run one request. On a terminal (and not --json) the user is asked; otherwise --consent decides.
    ``progress(done, total)``: how far a long task has got (the chunks of a long summary)."""
    assistant = open_assistant()
    try:
        gate = gate_for_cli(consent, interactive=sys.stdin.isatty() and not as_json)
        return assistant.run(request, gate, CancelToken(on_progress=progress), local_only=local_only)
    finally:
        assistant.close()
