"""What one run produced: the local result, what was decided, and the answer shown to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from inference.tasks.base import TaskRequest, TaskResult


@dataclass(frozen=True)
class FrontierSummary:
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float


@dataclass(frozen=True)
class Outcome:
    request: TaskRequest
    local: TaskResult
    answer: Any  # the output shown: local, or the frontier's restored on the device
    tier: Literal["local", "frontier"]
    action: str  # router action: accept | ask_consent | escalate | deny | queue | local_only
    reason: str
    threshold: float | None = None
    consent: str | None = None  # allow_once | allow_session | auto | deny | None (never asked)
    frontier: FrontierSummary | None = None
    audit_id: int | None = None
    history_id: int | None = None
    queue_id: int | None = None
    notice: str = ""  # e.g. an escalation that failed; the local answer was kept

    @property
    def model(self) -> str:
        return self.frontier.model if self.frontier else self.local.model

    def to_json(self) -> dict[str, Any]:
        data = self.local.to_json()
        data.update(
            output=self.answer,
            tier=self.tier,
            model=self.model,
            decision={"action": self.action, "reason": self.reason, "threshold": self.threshold},
            consent=self.consent,
            local_output=self.local.output,
        )
        if self.frontier:
            f = self.frontier
            data["frontier"] = {"provider": f.provider, "model": f.model, "input_tokens": f.input_tokens,
                                "output_tokens": f.output_tokens, "cost_usd": round(f.cost_usd, 6),
                                "latency_ms": round(f.latency_ms, 1)}
        for key in ("audit_id", "history_id", "queue_id"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.notice:
            data["notice"] = self.notice
        return data
