"""Extractor profiles and their one-file format (the stored profile and the export are the same JSON).

A profile is a named JSON Schema, examples whose values are marked as spans of their texts, and (once
trained) a tagger. Data only: weights are base64 float32 arrays (``app.profile_files``), never pickle.
Loading checks the structure (JSON Schema), then the meaning: the schema is one the local model can fill,
every example's spans lie inside its text and name known fields, array shapes, finite numbers, and the
tagger's SHA-256 fingerprint.

    {"format": "inhouse-extractor", "format_version": 1, "name": "banking", "revision": 3,
     "created": "...", "updated": "...", "schema": {...}, "fields": ["date", "amount"],
     "examples": [{"text": "...", "values": {"date": [10, 19], "amount": null}, "source": "user"}],
     "tagger": null | {"trained": "...", "encoder": {"name", "size_bytes", "dim", "layers", "view"},
                       "coef": {"shape": [5, 1728], "float32": "<base64>"}, "intercept": {...},
                       "extend": 0.15, "features": "words:mean,last,prev_last,next_first",
                       "calibration": {"date": {"right": [w, b], "absent": [w, b]}},
                       "examples_sha256": "...", "sha256": "...", "report": {...}}}
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
from inference.errors import ExtractorFileInvalid, SchemaInvalid, SchemaUnsupported
from inference.extractor_tagger import FEATURES, FieldCalibration, FieldReport, Tagger, TaggerReport
from inference.tasks.extract import check_schema
from inference.tasks.extract_plan import FieldPlan, plan_fields
from inference.token_features import TokenModel

FORMAT = "inhouse-extractor"
FORMAT_VERSION = 1
KIND = FileKind("extractor", "an", FORMAT, FORMAT_VERSION, ExtractorFileInvalid)
Span = tuple[int, int]


@dataclass(frozen=True)
class Example:
    text: str
    values: dict[str, Span | None]  # field → (start, end) of its value in the text, or None (absent)
    source: str = "user"


@dataclass(frozen=True)
class TrainedTagger:
    tagger: Tagger
    encoder: TokenModel
    trained: str
    examples_sha256: str
    report: TaggerReport

    @property
    def fingerprint(self) -> str:
        return tagger_fingerprint(self.tagger, self.encoder)


@dataclass(frozen=True)
class Profile:
    name: str
    schema: dict[str, Any]
    fields: tuple[str, ...]
    examples: tuple[Example, ...] = ()
    trained: TrainedTagger | None = None
    revision: int = 1
    created: str = ""
    updated: str = ""

    def counts(self) -> dict[str, int]:
        """Examples with a value, per field."""
        return {f: sum(e.values.get(f) is not None for e in self.examples) for f in self.fields}

    @property
    def stale(self) -> bool:
        return self.trained is not None and self.trained.examples_sha256 != examples_digest(self.examples)


def learnable_fields(schema: dict[str, Any]) -> tuple[list[FieldPlan], tuple[str, ...]]:
    """The schema's fields; every one must be a string or number copied from the text (not a list or choice)."""
    plans = plan_fields(check_schema(schema))
    other = [p.name for p in plans if p.kind == "choice" or p.array]
    if other:
        raise SchemaUnsupported(f"An extractor learns values copied from the text; these fields are lists or "
                                f"choices: {', '.join(other)}.", hint="Leave them out of the extractor's schema.")
    return plans, tuple(p.name for p in plans)


def examples_digest(examples: tuple[Example, ...]) -> str:
    body = json.dumps(sorted([e.text, sorted((k, list(v) if v else None) for k, v in e.values.items())]
                             for e in examples), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def tagger_fingerprint(tagger: Tagger, encoder: TokenModel) -> str:
    digest = hashlib.sha256()
    calibration = {k: [list(v.right), list(v.absent)] for k, v in sorted(tagger.calibration.items())}
    digest.update(json.dumps([list(tagger.fields), encoder.key, repr(tagger.extend), FEATURES,
                              calibration]).encode())
    digest.update(np.ascontiguousarray(tagger.coef, dtype="<f4").tobytes())
    digest.update(np.ascontiguousarray(tagger.intercept, dtype="<f4").tobytes())
    return digest.hexdigest()


# -- writing ----------------------------------------------------------------------------------------

def profile_to_json(profile: Profile, *, include_examples: bool = True) -> dict[str, Any]:
    return {
        **envelope_json(KIND, profile.name, profile.revision, profile.created, profile.updated),
        "schema": profile.schema,
        "fields": list(profile.fields),
        "examples": [{"text": e.text, "source": e.source,
                      "values": {k: list(v) if v else None for k, v in e.values.items()}}
                     for e in (profile.examples if include_examples else ())],
        "tagger": _tagger_to_json(profile.trained) if profile.trained else None,
    }  # fmt: skip


def _tagger_to_json(trained: TrainedTagger) -> dict[str, Any]:
    t = trained.tagger
    return {
        "trained": trained.trained, "encoder": trained.encoder.to_json(), "coef": array_to_json(t.coef),
        "intercept": array_to_json(t.intercept), "extend": t.extend, "features": FEATURES,
        "calibration": {k: {"right": list(v.right), "absent": list(v.absent)} for k, v in t.calibration.items()},
        "examples_sha256": trained.examples_sha256, "sha256": trained.fingerprint,
        "report": trained.report.to_json(),
    }  # fmt: skip


# -- reading ----------------------------------------------------------------------------------------

def parse_profile(raw: bytes, origin: str) -> Profile:
    """A validated profile from a file's bytes; anything wrong raises ``ExtractorFileInvalid``."""
    data = read_document(raw, origin, KIND, _SCHEMA)
    try:
        _, fields = learnable_fields(data["schema"])
    except (SchemaInvalid, SchemaUnsupported) as err:
        raise ExtractorFileInvalid(f"{origin} holds a schema the local model cannot fill: {err}") from err
    if tuple(data["fields"]) != fields:
        raise ExtractorFileInvalid(f"{origin} is damaged: its field list does not match its schema.")
    examples = tuple(_example(e, fields, origin) for e in data["examples"])
    trained = _tagger_from_json(data["tagger"], fields, origin) if data["tagger"] is not None else None
    return Profile(data["name"], data["schema"], fields, examples, trained, data["revision"], data["created"],
                   data["updated"])


def _example(data: dict[str, Any], fields: tuple[str, ...], origin: str) -> Example:
    text = data["text"]
    values: dict[str, Span | None] = {}
    for key, span in data["values"].items():
        if key not in fields:
            raise ExtractorFileInvalid(f"{origin} is damaged: an example has a value for an unknown field '{key}'.")
        if span is not None and not 0 <= span[0] < span[1] <= len(text):
            raise ExtractorFileInvalid(f"{origin} is damaged: a span of '{key}' lies outside its example's text.")
        values[key] = (int(span[0]), int(span[1])) if span is not None else None
    return Example(text, {f: values.get(f) for f in fields}, data["source"])


def _tagger_from_json(data: dict[str, Any], fields: tuple[str, ...], origin: str) -> TrainedTagger:
    enc = data["encoder"]
    encoder = TokenModel(enc["name"], enc["size_bytes"], enc["dim"], tuple(enc["layers"]), enc["view"])
    width = encoder.width * 4  # a word reads four token states (FEATURES)
    n_tags = 1 + 2 * len(fields)
    coef = array_from_json(data["coef"], (n_tags, width), origin, ExtractorFileInvalid)
    intercept = array_from_json(data["intercept"], (n_tags,), origin, ExtractorFileInvalid)
    calibration = {k: FieldCalibration(_pair(v["right"]), _pair(v["absent"])) for k, v in data["calibration"].items()}
    if set(calibration) != set(fields):
        raise ExtractorFileInvalid(f"{origin} is damaged: the calibration does not cover the fields.")
    tagger = Tagger(fields, coef, intercept, calibration, float(data["extend"]))
    trained = TrainedTagger(tagger, encoder, data["trained"], data["examples_sha256"], _report(data["report"]))
    if trained.fingerprint != data["sha256"]:
        raise ExtractorFileInvalid(f"{origin} is damaged: the weights do not match their SHA-256 fingerprint.")
    return trained


def _pair(values: list[float]) -> tuple[float, float]:
    return float(values[0]), float(values[1])


def _report(data: dict[str, Any]) -> TaggerReport:
    def opt(v: Any) -> float | None:
        return None if v is None else float(v)

    per_field = {k: FieldReport(int(v["values"]), opt(v.get("precision")), opt(v.get("recall")), opt(v.get("f1")),
                                opt(v.get("hallucination_rate"))) for k, v in data["per_field"].items()}
    return TaggerReport(int(data["examples"]), int(data["folds"]), per_field, opt(data.get("f1")),
                        opt(data.get("hallucination_rate")), tuple(str(w) for w in data.get("warnings", [])),
                        float(data.get("seconds", 0.0)))


_NUM = {"type": "number"}
_OPT = {"type": ["number", "null"]}
_PAIR = {"type": "array", "items": _NUM, "minItems": 2, "maxItems": 2}
_SPAN = {"oneOf": [{"type": "null"}, {"type": "array", "items": {"type": "integer", "minimum": 0},
                                      "minItems": 2, "maxItems": 2}]}
_REPORT = {
    "type": "object", "required": ["examples", "folds", "per_field"],
    "properties": {"examples": {"type": "integer"}, "folds": {"type": "integer"}, "f1": _OPT,
                   "hallucination_rate": _OPT, "warnings": {"type": "array", "items": {"type": "string"}},
                   "per_field": {"type": "object", "additionalProperties": {
                       "type": "object", "required": ["values"],
                       "properties": {"values": {"type": "integer"}, "precision": _OPT, "recall": _OPT, "f1": _OPT,
                                      "hallucination_rate": _OPT}}}},
}  # fmt: skip
_TAGGER = {
    "type": "object",
    "required": ["trained", "encoder", "coef", "intercept", "extend", "features", "calibration", "examples_sha256",
                 "sha256", "report"],
    "properties": {
        "trained": STAMP_SCHEMA, "coef": ARRAY_SCHEMA, "intercept": ARRAY_SCHEMA, "extend": _NUM,
        "features": {"const": FEATURES}, "examples_sha256": {"type": "string"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "report": _REPORT,
        "calibration": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["right", "absent"], "properties": {"right": _PAIR, "absent": _PAIR}}},
        "encoder": {"type": "object", "required": ["name", "size_bytes", "dim", "layers", "view"], "properties": {
            "name": {"type": "string"}, "size_bytes": {"type": "integer", "minimum": 0},
            "dim": {"type": "integer", "minimum": 1, "maximum": 65536},
            "layers": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "maxItems": 8},
            "view": {"enum": ["echo"]}}},
    },
}  # fmt: skip
_SCHEMA = envelope_schema(KIND, ["schema", "fields", "examples", "tagger"], {
    "schema": {"type": "object"}, "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "examples": {"type": "array", "items": {
        "type": "object", "required": ["text", "values", "source"],
        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": MAX_EXAMPLE_CHARS},
                       "values": {"type": "object", "additionalProperties": _SPAN},
                       "source": {"enum": list(SOURCES)}}}},
    "tagger": {"oneOf": [{"type": "null"}, _TAGGER]},
})  # fmt: skip
