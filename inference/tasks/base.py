"""Task requests and results shared by the local tasks, the frontier provider and the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TaskName = Literal["classify", "extract", "summarize"]
TASK_NAMES: tuple[TaskName, ...] = ("classify", "extract", "summarize")

# The one declaration of how many labels a classification may have, and how long each: zero-shot, every
# label is written into the prompt and scored (200 short labels fit the starter model's 4,096-token
# context with room for the text); a trained classifier and its file (app/classifier_files.py) keep the
# same limits, so a label set that can be taught can also be asked zero-shot. Checked by ``check_labels``.
MAX_LABELS = 200
MAX_LABEL_CHARS = 200


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
    """A JSON Schema (as a dict) the answer must validate against.

    ``extractor`` names a trained extractor profile to use (see ``app.extractors``); without it, a trained
    profile whose schema is this schema is used, and zero-shot span scoring by the local model otherwise.
    """

    schema: dict[str, Any]
    task: TaskName = field(default="extract", init=False)
    extractor: str | None = None


SummaryShape = Literal["paragraph", "tldr", "bullets"]
SUMMARY_SHAPES: tuple[SummaryShape, ...] = ("paragraph", "tldr", "bullets")
TLDR_WORDS = 30  # the word budget of a one-line TLDR


@dataclass(frozen=True)
class SummarizeSpec:
    """A summary of at most ``max_words`` words, shaped as a paragraph, a one-line TLDR (one sentence) or
    ``bullets`` bullet points ("- ..." lines; ``max_words`` is then the budget for all of them)."""

    max_words: int = 60
    shape: SummaryShape = "paragraph"
    bullets: int = 3
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
class SourceSpan:
    """Where an extracted value was copied from: ``request.text[start:end]`` (character offsets into the
    text exactly as the request gave it, before any stripping)."""

    start: int
    end: int

    def to_json(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True)
class FieldConfidence:
    """Per-field evidence for an extraction, keyed in ``TaskResult.fields`` by the field's path (a top-level
    property name, or ``parent/child`` for nested objects).

    - ``confidence``: the probability that this field's answer is right (the value, or "not found").
    - ``found``: False when the field is "not found" (null, or left out where the schema allows).
    - ``span``: where the value was copied from in the input; None when not found, or for values that are
      not copied (booleans, enum choices, or a frontier answer that is not in the text).
    - ``grounded``: the value can be pointed at in the input (True for "not found").
    - ``raw_score``: the uncalibrated score ``confidence`` was computed from. Not always a probability:
      for a span of zero-shot extraction it is the span's PMI in nats (field question against a neutral
      one; it can be negative or above 1, and is 0 where the text has no candidate at all); for a choice,
      the option's probability; for a trained extractor, the tagger's mean inside-probability (its peak for
      "not found"); for an answer of the org or cloud model, the mean token probability of the field's
      value. (Named ``token_prob`` before: an old stored result's ``token_prob`` is read as ``raw_score``.)
    """

    confidence: float
    raw_score: float
    grounded: bool
    span: SourceSpan | None = None
    found: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"confidence": round(self.confidence, 4), "raw_score": round(self.raw_score, 4),
                "grounded": self.grounded, "found": self.found,
                "span": self.span.to_json() if self.span else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldConfidence:
        span = data.get("span")
        raw = data.get("raw_score", data.get("token_prob", 0.0))  # token_prob: results stored before the rename
        return cls(float(data["confidence"]), float(raw), bool(data.get("grounded", True)),
                   SourceSpan(int(span[0]), int(span[1])) if span else None, bool(data.get("found", True)))


CalibrationState = Literal["calibrated", "uncalibrated", "trained"]


@dataclass(frozen=True)
class Calibration:
    """Whether a classification's confidence is backed by evidence, and the sentence that says so.

    "trained": answered by a trained classifier (its cross-validated accuracy is in ``basis``);
    "calibrated": zero-shot scores recalibrated on ``evidence`` labelled texts, measured on held-out ones;
    "uncalibrated": no (or not enough, or not good enough) evidence: the confidence is the model's own.
    ``zero_shot`` keeps the zero-shot probabilities before recalibration (they become new evidence).
    """

    state: CalibrationState
    basis: str
    evidence: int = 0
    zero_shot: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "basis": self.basis, "evidence": self.evidence}


@dataclass(frozen=True)
class TaskResult:
    """What a task returns, local or frontier.

    ``output`` is the label (classify), the JSON object (extract: validated, except that the required fields
    named in ``missing`` are null) or the text (summarize).
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
    calibration: Calibration | None = None  # classify only
    # extract: required fields the text gave no value for (null in ``output``, which then does not satisfy
    # the schema; ``confidence`` is 0 so the answer is routed on, and the user is told which ones)
    missing: tuple[str, ...] = ()

    @property
    def uncalibrated(self) -> bool:
        return self.calibration is not None and self.calibration.state == "uncalibrated"

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
        if self.calibration is not None:
            data["calibration"] = self.calibration.to_json()
        if self.fields is not None:
            data["fields"] = {k: f.to_json() for k, f in self.fields.items()}
        if self.missing:
            data["missing"] = list(self.missing)
        return data


def check_labels(labels: tuple[str, ...] | list[str]) -> None:
    """Raise ``InputInvalid`` (with the limit) for a label set no classification can use."""
    from inference.errors import InputInvalid

    if len(labels) > MAX_LABELS:
        raise InputInvalid(f"{len(labels):,} labels is more than a classification can use (at most {MAX_LABELS}).",
                           hint="Group them into fewer, broader labels, or classify in two steps.")
    long = next((label for label in labels if len(label) > MAX_LABEL_CHARS), None)
    if long is not None:
        raise InputInvalid(f"A label is {len(long):,} characters long; labels are at most {MAX_LABEL_CHARS}.",
                           hint="Use a short name as the label (a description can say more).")
