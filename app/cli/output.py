"""Printing an Outcome for people (or as one JSON object with --json).

The last line says which tier answered and what happened next; the hint after it is the CLI's own,
chosen by the outcome's typed action and deny reason (the router's reason carries no commands).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from app.outcome import Action, Outcome
from app.router import DenyReason
from app.tiers import TierKind

BAR = 24
_DENY_HINTS = {
    DenyReason.NO_KEY: "Set the key with `inhouse key set` (or the ANTHROPIC_API_KEY variable).",
    DenyReason.OVER_BUDGET: "The monthly budget is escalation.monthly_budget_usd (`inhouse policy show`).",
    DenyReason.MODEL_NOT_ALLOWED: "See the allowed models with `inhouse policy show`.",
    DenyReason.POLICY_OFF: "Sending is turned off by policy (`inhouse policy show`).",
    DenyReason.AUDIT_UNAVAILABLE: "`inhouse doctor` says what is wrong with the database.",
    DenyReason.UNCALIBRATED: 'thresholds.uncalibrated is "keep" (`inhouse policy show`); corrections or an '
                             "eval run give this label set evidence.",
}
_ACTION_HINTS = {
    Action.QUEUE: "Send it later with `inhouse queue send`.",
    Action.ASK: "Run again on a terminal (or with --consent yes) to be asked.",
}


def hint(outcome: Outcome) -> str:
    """What the user can do next, as a command, for this outcome ("" when nothing)."""
    if outcome.action is Action.DENY and outcome.decision is not None and outcome.decision.deny is not None:
        return _DENY_HINTS[outcome.decision.deny]
    return _ACTION_HINTS.get(outcome.action, "")


def where(outcome: Outcome) -> str:
    remote = outcome.remote
    if remote is None:
        return "on this device"
    label = remote.tier_label if remote.tier is TierKind.ORG else "cloud"
    return f"{label[0].lower() + label[1:]} ({remote.model} at {remote.host}), {remote.consent.describe()}"


def print_outcome(outcome: Outcome, *, as_json: bool, out: Any = None) -> None:
    out = out or sys.stdout
    if as_json:
        print(json.dumps(outcome.to_json(), ensure_ascii=False), file=out)
        return
    local, remote = outcome.local, outcome.remote
    probabilities = remote.probabilities if remote is not None else local.probabilities
    fields = remote.fields if remote is not None else local.fields
    if local.task == "classify" and probabilities:
        print(f"{outcome.answer}", file=out)
        for label, p in sorted(probabilities.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<20} {'#' * round(p * BAR):<{BAR}} {p:.2f}", file=out)
    elif local.task == "extract":
        print(json.dumps(outcome.answer, indent=2, ensure_ascii=False), file=out)
        for name, f in (fields or {}).items():
            at = f"  at {f.span.start}-{f.span.end}" if f.span else ""
            mark = "not found" if not f.found else "" if f.grounded else "not in the input"
            print(f"  {name:<20} confidence {f.confidence:.2f}  {mark}{at}".rstrip(), file=out)
    else:
        print(outcome.answer, file=out)
    confidence = "unknown" if outcome.confidence is None else f"{outcome.confidence:.2f}"
    threshold = f" (threshold {outcome.threshold:.2f})" if outcome.threshold is not None else ""
    latency = remote.latency_ms if remote is not None else local.latency_ms
    state = " uncalibrated" if remote is None and local.uncalibrated else ""
    print(f"\nconfidence {confidence}{state}{threshold} · {where(outcome)} · {latency:.0f} ms", file=out)
    if remote is None and local.calibration is not None:
        print(local.calibration.basis, file=out)
    if outcome.reason:
        print(f"{outcome.reason}", file=out)
    for note in outcome.notes:
        if note != outcome.missing_note:  # said on stderr by ``finish`` (the exit status is 1)
            print(f"note: {note}", file=out)
    if hint(outcome):
        print(hint(outcome), file=out)


def finish(outcome: Outcome, *, as_json: bool) -> int:
    """Print the outcome; the exit status: 1 (said on stderr) when the answer shown lacks a required field
    of the schema (the text has no value for it and no other tier answered), 0 otherwise."""
    print_outcome(outcome, as_json=as_json)
    if not outcome.missing:
        return 0
    print(f"inhouse: {outcome.missing_note}", file=sys.stderr)
    print("Hint: if the text may lack it, allow null for it in the schema (\"type\": [..., \"null\"]); otherwise "
          "let the request go to the next tier (--consent yes, or `inhouse policy show`).", file=sys.stderr)
    return 1
