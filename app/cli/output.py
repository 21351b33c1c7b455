"""Printing an Outcome for people (or as one JSON object with --json)."""

from __future__ import annotations

import json
import sys
from typing import Any

from app.consent import describe_consent
from app.outcome import Outcome

BAR = 24


def print_outcome(outcome: Outcome, *, as_json: bool, out: Any = None) -> None:
    out = out or sys.stdout
    if as_json:
        print(json.dumps(outcome.to_json(), ensure_ascii=False), file=out)
        return
    local = outcome.local
    where = "on this device"
    if outcome.tier != "local":
        where = f"sent to {outcome.model} {describe_consent(outcome.consent)}"
    if local.task == "classify" and local.probabilities:
        print(f"{outcome.answer}", file=out)
        for label, p in sorted(local.probabilities.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<20} {'#' * round(p * BAR):<{BAR}} {p:.2f}", file=out)
    elif local.task == "extract":
        print(json.dumps(outcome.answer, indent=2, ensure_ascii=False), file=out)
        for name, f in (local.fields or {}).items():
            where = f"  at {f.span.start}-{f.span.end}" if f.span else ""
            mark = "not found" if not f.found else "" if f.grounded else "not in the input"
            print(f"  {name:<20} confidence {f.confidence:.2f}  {mark}{where}".rstrip(), file=out)
    else:
        print(outcome.answer, file=out)
    threshold = f" (threshold {outcome.threshold:.2f})" if outcome.threshold is not None else ""
    state = " uncalibrated" if local.uncalibrated else ""
    print(f"\nconfidence {local.confidence:.2f}{state}{threshold} · {where} · {local.latency_ms:.0f} ms", file=out)
    if local.calibration is not None:
        print(local.calibration.basis, file=out)
    if outcome.reason:
        print(f"{outcome.reason}", file=out)
    if outcome.notice:
        print(f"note: {outcome.notice}", file=out)
