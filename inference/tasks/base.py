"""Task requests and results shared by the local tasks, the frontier provider and the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TaskName = Literal["classify", "extract", "summarize"]
TASK_NAMES: tuple[TaskName, ...] = ("classify", "extract", "summarize")


@dataclass(frozen=True)
class ClassifySpec:
    """Any label set, with optional one-line descriptions and few-shot (text, label) examples.

    ``classifier`` names a trained classifier profile to use (see ``app.classifiers``); without it, a
    trained profile whose label set is exactly ``labels`` is used, and zero-shot label scoring otherwise.
    """

    labels: tuple[str, ...]
    descriptions: tuple[tuple[str, str], ...] = ()
    examples: tuple[tuple[str, str], ...] = ()
    task: TaskName = field(default="classify", init=False)
    classifier: str | None = None


@dataclass(frozen=True)
class ExtractSpec:
    """A JSON Schema (as a dict) the answer must validate against."""

    schema: dict[str, Any]
    task: TaskName = field(default="extract", init=False)


@dataclass(frozen=True)
class SummarizeSpec:
    max_words: int = 60
    task: TaskName = field(default="summarize", init=False)


TaskSpec = ClassifySpec | ExtractSpec | SummarizeSpec


@dataclass(frozen=True)
class TaskRequest:
    text: str
    spec: TaskSpec

    @property
    def task(self) -> TaskName:
        return self.spec.task


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class FieldConfidence:
    """Per-field evidence for an extraction: value-token probability and grounding in the input."""

    confidence: float
    token_prob: float
    grounded: bool


@dataclass(frozen=True)
class TaskResult:
    """What a task returns, local or frontier.

    ``output`` is the label (classify), the validated JSON object (extract) or the text (summarize).
    ``confidence`` is in [0, 1]; ``signals`` holds the numbers behind it.
    """

    task: TaskName
    output: Any
    confidence: float
    signals: dict[str, float] = field(default_factory=dict)
    usage: Usage = Usage()
    latency_ms: float = 0.0
    model: str = ""
    tier: Literal["local", "frontier"] = "local"
    method: str = ""
    probabilities: dict[str, float] | None = None
    fields: dict[str, FieldConfidence] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "task": self.task,
            "output": self.output,
            "confidence": round(self.confidence, 4),
            "tier": self.tier,
            "model": self.model,
            "method": self.method,
            "latency_ms": round(self.latency_ms, 1),
            "usage": {"prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens},
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
        }
        if self.probabilities is not None:
            data["probabilities"] = {k: round(v, 4) for k, v in self.probabilities.items()}
        if self.fields is not None:
            data["fields"] = {
                k: {"confidence": round(f.confidence, 4), "token_prob": round(f.token_prob, 4), "grounded": f.grounded}
                for k, f in self.fields.items()
            }
        return data
