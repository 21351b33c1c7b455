"""What one run produced: the device's result, every remote tier's answer, what was decided, and the
answer shown to the user (with the tier that made it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.consent import ConsentStatus
from app.router import Decision
from app.tiers import TierKind
from inference.tasks.base import FieldConfidence, TaskRequest, TaskResult


class Action(StrEnum):
    """How a run ended, as the UI, the CLI, the history and the review read it."""

    ACCEPT = "accept"  # an answer was kept: the device's, or a remote tier's (see ``Outcome.tier``)
    ASK = "ask"  # the next tier needs consent, not asked now (the UI offers a button)
    DENY = "deny"  # the next tier is not allowed (``Outcome.decision.deny`` says why)
    DECLINED = "declined"  # the user said no
    QUEUE = "queue"  # the next tier could not be reached: queued
    FAILED = "failed"  # sent, but the tier answered an error: the answer before it was kept
    LOCAL_ONLY = "local_only"  # this run did not offer any other tier


@dataclass(frozen=True)
class RemoteAnswer:
    """One hop's answer (restored on the device), with its own model, method, latency and confidence."""

    tier: TierKind
    tier_label: str  # "On Acme's server", "Cloud"
    provider: str
    host: str
    model: str
    output: Any
    confidence: float | None  # None: unknown (the server returned no log-probabilities)
    method: str
    latency_ms: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    consent: ConsentStatus
    audit_id: int | None = None
    probabilities: dict[str, float] | None = None
    fields: dict[str, FieldConfidence] | None = None
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tier": self.tier.value, "tier_label": self.tier_label, "provider": self.provider, "host": self.host,
            "model": self.model, "output": self.output,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "method": self.method, "latency_ms": round(self.latency_ms, 1), "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens, "cost_usd": round(self.cost_usd, 6),
            "consent": self.consent.value, "audit_id": self.audit_id,
        }
        if self.probabilities is not None:
            data["probabilities"] = {k: round(v, 4) for k, v in self.probabilities.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RemoteAnswer:
        """Back from a queued item (fields and signals are not kept there)."""
        return cls(TierKind(data["tier"]), data["tier_label"], data["provider"], data["host"], data["model"],
                   data["output"], data["confidence"], data["method"], data["latency_ms"], data["input_tokens"],
                   data["output_tokens"], data["cost_usd"], ConsentStatus(data["consent"]), data.get("audit_id"),
                   data.get("probabilities"))


DEVICE_LABEL = "On this device"
PARTIAL_INPUT = 0.995  # a share of the input tokens read below this is said with the answer


@dataclass(frozen=True)
class Outcome:
    request: TaskRequest
    local: TaskResult  # the device's result
    answer: Any  # the output shown: the device's, or the answering tier's restored on the device
    action: Action
    reason: str
    decision: Decision | None = None  # the router's last decision (None: no other tier was offered)
    hops: tuple[RemoteAnswer, ...] = ()  # every remote tier that answered, in order
    consent: ConsentStatus = ConsentStatus.NOT_ASKED  # for the last tier considered
    audit_id: int | None = None
    history_id: int | None = None
    queue_id: int | None = None
    notice: str = ""  # e.g. a tier that failed; the answer before it was kept

    @property
    def remote(self) -> RemoteAnswer | None:
        """The remote answer shown, if the answer shown is not the device's."""
        return self.hops[-1] if self.hops else None

    @property
    def tier(self) -> TierKind:
        return self.hops[-1].tier if self.hops else TierKind.DEVICE

    @property
    def tier_label(self) -> str:
        return self.hops[-1].tier_label if self.hops else DEVICE_LABEL

    @property
    def confidence(self) -> float | None:
        """The confidence of the answer shown (``None``: unknown)."""
        return self.hops[-1].confidence if self.hops else self.local.confidence

    @property
    def model(self) -> str:
        return self.hops[-1].model if self.hops else self.local.model

    @property
    def threshold(self) -> float | None:
        return self.decision.threshold if self.decision else None

    @property
    def input_note(self) -> str:
        """Said with a device answer that read only the start of a long text (the model's context is small),
        so a confident answer about the first pages is not taken for an answer about the whole text."""
        kept = self.local.signals.get("input_kept", 1.0)
        if self.remote is not None or kept >= PARTIAL_INPUT:
            return ""
        return (f"Only the first {max(kept, 0.01):.0%} of the text was read: it is longer than the model's context, "
                "so this answer and its confidence are about that part.")

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields the answer shown has no value for (an extraction kept from the device whose text
        lacks them: null there, so the answer does not satisfy the schema). Empty when another tier answered."""
        return () if self.remote is not None else self.local.missing

    @property
    def missing_note(self) -> str:
        if not self.missing:
            return ""
        names = ", ".join(f"'{name}'" for name in self.missing)
        fields = "field" if len(self.missing) == 1 else "fields"
        return (f"No value for the required {fields} {names} was found in the text, so this answer does not satisfy "
                "the schema (null there).")

    @property
    def notes(self) -> tuple[str, ...]:
        """What is said under the answer, in the CLI and the app."""
        return tuple(note for note in (self.missing_note, self.notice, self.input_note) if note)

    def to_json(self) -> dict[str, Any]:
        data = self.local.to_json()
        remote = self.remote
        data.update(
            output=self.answer,
            tier=self.tier.value,
            tier_label=self.tier_label,
            model=self.model,
            decision={"action": self.action.value, "reason": self.reason, "threshold": self.threshold,
                      "kind": self.decision.kind.value if self.decision else None,
                      "deny": self.decision.deny.value if self.decision and self.decision.deny else None},
            consent=self.consent.value,
            local_output=self.local.output,
            local_confidence=round(self.local.confidence, 4),
        )
        if remote is not None:  # the answer's own confidence, method and latency, not the device's
            hop = remote.to_json()
            data.update(confidence=hop["confidence"], method=remote.method, latency_ms=hop["latency_ms"])
            data.pop("probabilities", None)
            if "probabilities" in hop:
                data["probabilities"] = hop["probabilities"]
        data["hops"] = [hop.to_json() for hop in self.hops]
        for key in ("audit_id", "history_id", "queue_id"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.notice:
            data["notice"] = self.notice
        if self.input_note:
            data["input_note"] = self.input_note
        data.pop("missing", None)  # the device's; the answer shown may be another tier's
        if self.missing:
            data["missing"] = list(self.missing)
        return data
