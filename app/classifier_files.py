"""Classifier profiles and their one-file format (the stored profile and the export are the same JSON).

A profile is a named label set, its examples, candidate examples waiting for the user's accept, and
(once trained) a head. The file holds data only: weights are base64 float32 arrays, never pickle, so
importing a file cannot run code. Loading checks the structure (JSON Schema), then the meaning: labels
unique, examples on known labels, array sizes, finite numbers, and the head's SHA-256 fingerprint
(which also tells an admin that two machines have the same classifier).

    {"format": "inhouse-classifier", "format_version": 1, "name": "support", "revision": 4,
     "created": "...", "updated": "...", "labels": ["billing", "bug"],
     "examples": [{"text": "...", "label": "bug", "source": "user"}], "candidates": [...],
     "head": null | {"trained": "...", "embedding": {"name", "size_bytes", "dim", "pooling"},
                     "c": 1.0, "temperature": 1.1, "coef": {"shape": [2, 576], "float32": "<base64>"},
                     "intercept": {...}, "examples_sha256": "...", "sha256": "...", "report": {...}}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.profile_files import (
    ARRAY_SCHEMA,
    STAMP_SCHEMA,
    FileKind,
    array_from_json,
    array_to_json,
    envelope_json,
    envelope_schema,
    read_document,
)
from app.profile_files import MAX_EXAMPLE_CHARS as MAX_EXAMPLE_CHARS
from app.profile_files import SOURCES as SOURCES
from app.profile_files import check_name as _check_name
from inference.calibration import FloatArray
from inference.classifier_head import Head, LabelFigures, TrainReport
from inference.embedding import EmbeddingModel
from inference.errors import ClassifierFileInvalid
from inference.tasks.base import MAX_LABEL_CHARS, MAX_LABELS

FORMAT = "inhouse-classifier"
FORMAT_VERSION = 1
KIND = FileKind("classifier", "a", FORMAT, FORMAT_VERSION, ClassifierFileInvalid)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str = "user"  # user | correction | frontier (an accepted candidate) | import


@dataclass(frozen=True)
class Candidate:
    """A frontier answer kept as a possible example, until the user accepts or rejects it."""

    text: str
    label: str
    created: str
    source: str = "frontier"


@dataclass(frozen=True)
class TrainedHead:
    head: Head
    embedding: EmbeddingModel
    trained: str
    examples_sha256: str  # the examples it was trained on (to tell when retraining is due)
    report: TrainReport

    @property
    def fingerprint(self) -> str:
        return head_fingerprint(self.head, self.embedding)


@dataclass(frozen=True)
class Profile:
    name: str
    labels: tuple[str, ...]
    examples: tuple[Example, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    trained: TrainedHead | None = None
    revision: int = 1
    created: str = ""
    updated: str = ""

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.labels, 0)
        for example in self.examples:
            counts[example.label] += 1
        return counts

    @property
    def stale(self) -> bool:
        """Trained, but the examples changed since."""
        return self.trained is not None and self.trained.examples_sha256 != examples_digest(self.examples)


def examples_digest(examples: tuple[Example, ...]) -> str:
    body = json.dumps(sorted([e.text, e.label] for e in examples), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def head_fingerprint(head: Head, embedding: EmbeddingModel) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([list(head.labels), embedding.key, embedding.dim, repr(head.temperature)]).encode())
    digest.update(np.ascontiguousarray(head.coef, dtype="<f4").tobytes())
    digest.update(np.ascontiguousarray(head.intercept, dtype="<f4").tobytes())
    return digest.hexdigest()


def check_name(name: str) -> str:
    return _check_name(name, KIND.noun)


# -- writing ----------------------------------------------------------------------------------------

def profile_to_json(profile: Profile, *, include_examples: bool = True) -> dict[str, Any]:
    return {
        **envelope_json(KIND, profile.name, profile.revision, profile.created, profile.updated),
        "labels": list(profile.labels),
        "examples": [{"text": e.text, "label": e.label, "source": e.source}
                     for e in (profile.examples if include_examples else ())],
        "candidates": [{"text": c.text, "label": c.label, "created": c.created, "source": c.source}
                       for c in (profile.candidates if include_examples else ())],
        "head": _head_to_json(profile.trained) if profile.trained else None,
    }  # fmt: skip


def _head_to_json(trained: TrainedHead) -> dict[str, Any]:
    head = trained.head
    return {
        "trained": trained.trained, "embedding": trained.embedding.to_json(), "c": head.c,
        "temperature": head.temperature, "coef": array_to_json(head.coef),
        "intercept": array_to_json(head.intercept), "examples_sha256": trained.examples_sha256,
        "sha256": trained.fingerprint, "report": trained.report.to_json(),
    }  # fmt: skip


# -- reading ----------------------------------------------------------------------------------------

def parse_profile(raw: bytes, origin: str) -> Profile:
    """A validated profile from a file's bytes; anything wrong raises ``ClassifierFileInvalid``."""
    data = read_document(raw, origin, KIND, _SCHEMA)
    labels = tuple(data["labels"])
    if len({label.casefold() for label in labels}) != len(labels):
        raise ClassifierFileInvalid(f"{origin} is damaged: a label appears twice.")
    examples = tuple(Example(e["text"], e["label"], e["source"]) for e in data["examples"])
    candidates = tuple(Candidate(c["text"], c["label"], c["created"], c["source"]) for c in data["candidates"])
    unknown = ({e.label for e in examples} | {c.label for c in candidates}) - set(labels)
    if unknown:
        raise ClassifierFileInvalid(f"{origin} is damaged: examples use unknown labels {sorted(unknown)}.")
    trained = _head_from_json(data["head"], labels, origin) if data["head"] is not None else None
    return Profile(data["name"], labels, examples, candidates, trained, data["revision"],
                   data["created"], data["updated"])


def _head_from_json(data: dict[str, Any], labels: tuple[str, ...], origin: str) -> TrainedHead:
    emb = data["embedding"]
    embedding = EmbeddingModel(emb["name"], emb["size_bytes"], emb["dim"], emb["pooling"])
    coef = _array_from_json(data["coef"], (len(labels), embedding.dim), origin)
    intercept = _array_from_json(data["intercept"], (len(labels),), origin)
    temperature = float(data["temperature"])
    if not (np.isfinite(temperature) and temperature > 0):
        raise ClassifierFileInvalid(f"{origin} is damaged: the temperature must be a positive number.")
    head = Head(labels, coef, intercept, temperature, float(data["c"]))
    trained = TrainedHead(head, embedding, data["trained"], data["examples_sha256"],
                          _report_from_json(data["report"]))
    if trained.fingerprint != data["sha256"]:
        raise ClassifierFileInvalid(f"{origin} is damaged: the weights do not match their SHA-256 fingerprint.")
    return trained


def _array_from_json(data: dict[str, Any], shape: tuple[int, ...], origin: str) -> FloatArray:
    return array_from_json(data, shape, origin, ClassifierFileInvalid)


def _report_from_json(data: dict[str, Any]) -> TrainReport:
    per_label = {k: LabelFigures(int(v["examples"]), float(v["cv_accuracy"])) for k, v in data["per_label"].items()}
    auroc = data.get("cv_auroc")
    return TrainReport(
        examples=int(data["examples"]), folds=int(data["folds"]), c=float(data["c"]),
        temperature=float(data["temperature"]), cv_accuracy=float(data["cv_accuracy"]),
        cv_ece=float(data["cv_ece"]), cv_ece_uncalibrated=float(data["cv_ece_uncalibrated"]),
        cv_auroc=None if auroc is None else float(auroc), per_label=per_label,
        warnings=tuple(str(w) for w in data.get("warnings", [])), seconds=float(data.get("seconds", 0.0)),
    )  # fmt: skip


_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_EXAMPLE_CHARS}
_NUMBER = {"type": "number"}
_REPORT = {
    "type": "object",
    "required": ["examples", "folds", "c", "temperature", "cv_accuracy", "cv_ece", "cv_ece_uncalibrated",
                 "per_label"],
    "properties": {
        "examples": {"type": "integer"}, "folds": {"type": "integer"}, "c": _NUMBER, "temperature": _NUMBER,
        "cv_accuracy": _NUMBER, "cv_ece": _NUMBER, "cv_ece_uncalibrated": _NUMBER,
        "cv_auroc": {"type": ["number", "null"]}, "warnings": {"type": "array", "items": {"type": "string"}},
        "per_label": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["examples", "cv_accuracy"],
            "properties": {"examples": {"type": "integer"}, "cv_accuracy": _NUMBER}}},
    },
}  # fmt: skip
_HEAD = {
    "type": "object",
    "required": ["trained", "embedding", "c", "temperature", "coef", "intercept", "examples_sha256", "sha256",
                 "report"],
    "properties": {
        "trained": STAMP_SCHEMA, "c": _NUMBER, "temperature": _NUMBER, "coef": ARRAY_SCHEMA, "intercept": ARRAY_SCHEMA,
        "examples_sha256": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "embedding": {"type": "object", "required": ["name", "size_bytes", "dim", "pooling"], "properties": {
            "name": {"type": "string"}, "size_bytes": {"type": "integer", "minimum": 0},
            "dim": {"type": "integer", "minimum": 1, "maximum": 65536}, "pooling": {"enum": ["mean"]}}},
        "report": _REPORT,
    },
}  # fmt: skip
_SCHEMA = envelope_schema(KIND, ["labels", "examples", "candidates", "head"], {
    "labels": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": MAX_LABEL_CHARS},
               "minItems": 2, "maxItems": MAX_LABELS},
    "examples": {"type": "array", "items": {
        "type": "object", "required": ["text", "label", "source"],
        "properties": {"text": _TEXT, "label": {"type": "string"}, "source": {"enum": list(SOURCES)}}}},
    "candidates": {"type": "array", "items": {
        "type": "object", "required": ["text", "label", "created", "source"],
        "properties": {"text": _TEXT, "label": {"type": "string"}, "created": STAMP_SCHEMA,
                       "source": {"enum": list(SOURCES)}}}},
    "head": {"oneOf": [{"type": "null"}, _HEAD]},
})  # fmt: skip
