"""Builds what a CLI run needs (engine, policy, store, consent) and runs one request."""

from __future__ import annotations

from app.engine_host import EngineHost
from app.outcome import Outcome
from inference.tasks.base import TaskRequest


def run_request(request: TaskRequest, *, consent: str | None, local_only: bool, as_json: bool) -> Outcome:
    host = EngineHost()
    try:
        result = host.run(request)
    finally:
        host.close()
    return Outcome(request=request, local=result, answer=result.output, tier="local", action="local_only",
                   reason="")
