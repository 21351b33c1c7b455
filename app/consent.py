"""Consent: the question put to the user before anything leaves the device, and the ways to answer it.

A ``ConsentRequest`` carries the exact payload that would be sent (after redaction), the tier, host,
provider and model it would go to, the estimated tokens and cost, and the reason. The answer is deny,
allow once, or allow this task for this tier for the rest of the session (only where the policy is
"ask"). The user may edit or redact more of the text before allowing; the caller then rebuilds the
payload from that text, so what is sent is what was shown.

``ConsentStatus`` is what an outcome and an audit row record: asked and allowed (once / for the
session), denied, not asked, or not needed by the administrator's policy (cloud "auto"; org tier "none").
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TextIO

from inference.tasks.base import TaskName


class ConsentChoice(StrEnum):
    DENY = "deny"
    ALLOW_ONCE = "allow_once"
    ALLOW_SESSION = "allow_session"


class ConsentStatus(StrEnum):
    """On whose authority a hop left the device, or why it did not."""

    NOT_ASKED = "not_asked"
    ALLOW_ONCE = "allow_once"
    ALLOW_SESSION = "allow_session"
    DENIED = "deny"
    ADMIN_AUTO = "auto"  # sent automatically by the administrator's policy (cloud "auto")
    ADMIN_NO_CONSENT = "admin_org"  # no consent needed for the org tier (the administrator's policy)

    @property
    def sent_with_consent(self) -> bool:
        return self in (ConsentStatus.ALLOW_ONCE, ConsentStatus.ALLOW_SESSION)

    def describe(self) -> str:
        return _CONSENT_WORDS[self]


_CONSENT_WORDS = {
    ConsentStatus.NOT_ASKED: "not asked",
    ConsentStatus.ALLOW_ONCE: "sent with your consent",
    ConsentStatus.ALLOW_SESSION: "sent with your consent (this session)",
    ConsentStatus.DENIED: "you declined",
    ConsentStatus.ADMIN_AUTO: "sent automatically by your administrator's policy (you were not asked)",
    ConsentStatus.ADMIN_NO_CONSENT: "no consent needed for your organisation's server (administrator's policy)",
}


@dataclass(frozen=True)
class Highlight:
    """A redacted region of ``ConsentRequest.text`` (for highlighting)."""

    start: int
    end: int
    kind: str
    placeholder: str


@dataclass(frozen=True)
class ConsentRequest:
    task: TaskName
    text: str  # the user's text as it would be sent (redacted)
    payload: dict[str, Any]  # the whole request body that would be sent
    highlights: tuple[Highlight, ...]
    provider: str
    model: str
    estimated_input_tokens: int
    estimated_output_tokens: int
    estimated_cost_usd: float
    max_cost_usd: float
    reason: str
    allow_session: bool  # may the user allow this task for the rest of the session?
    destination: str = ""  # where the bytes go: scheme://host[:port], "(from ANTHROPIC_BASE_URL)" when that set it
    tier: str = "cloud"  # "org" | "cloud"
    tier_label: str = "Cloud"  # "On Acme's server", "Cloud"

    def payload_json(self) -> str:
        return json.dumps(self.payload, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class ConsentDecision:
    choice: ConsentChoice
    edited_text: str | None = None  # set when the user edited / redacted more before allowing
    added_mapping: Mapping[str, str] = field(default_factory=dict)  # the user's own placeholders -> originals

    @property
    def allowed(self) -> bool:
        return self.choice is not ConsentChoice.DENY


DENIED = ConsentDecision(ConsentChoice.DENY)


class ConsentGate(Protocol):
    def ask(self, request: ConsentRequest) -> ConsentDecision: ...


class FixedAnswer:
    """Answers every question the same way: scripts (``--consent yes|no``) and tests."""

    def __init__(self, allow: bool) -> None:
        self.decision = ConsentDecision(ConsentChoice.ALLOW_ONCE) if allow else DENIED
        self.asked: list[ConsentRequest] = []

    def ask(self, request: ConsentRequest) -> ConsentDecision:
        self.asked.append(request)
        return self.decision


class TerminalConsent:
    """Prints the exact payload and asks on the terminal. Anything but an explicit yes is a no."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stderr

    def ask(self, request: ConsentRequest) -> ConsentDecision:
        out = self.stdout
        print(f"\nThe answer so far is uncertain: {request.reason}.", file=out)
        print(f"Inhouse can ask {request.model} ({request.tier_label}: {request.provider} at {request.destination}). "
              "This is exactly what would be sent:", file=out)
        print("-" * 60, file=out)
        print(request.payload_json(), file=out)
        print("-" * 60, file=out)
        print(f"Estimated {request.estimated_input_tokens} input + {request.estimated_output_tokens} output "
              f"tokens, about ${request.estimated_cost_usd:.4f} (at most ${request.max_cost_usd:.4f}).", file=out)
        options = "[y]es once / [s]ession / [N]o" if request.allow_session else "[y]es once / [N]o"
        print(f"Send it? {options}: ", end="", file=out, flush=True)
        answer = self.stdin.readline().strip().lower()
        if answer in ("y", "yes"):
            return ConsentDecision(ConsentChoice.ALLOW_ONCE)
        if request.allow_session and answer in ("s", "session"):
            return ConsentDecision(ConsentChoice.ALLOW_SESSION)
        return DENIED


def gate_for_cli(consent: str | None, interactive: bool) -> ConsentGate:
    """``--consent yes|no`` answers ahead; otherwise ask on a terminal; without one, the answer is no."""
    if consent == "yes":
        return FixedAnswer(allow=True)
    if consent == "no" or not interactive:
        return FixedAnswer(allow=False)
    return TerminalConsent()
