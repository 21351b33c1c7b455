"""Structured extraction: JSON constrained by a grammar built from the user's JSON Schema.

- The schema is checked (jsonschema meta-schema) and converted to a GBNF grammar; a conversion the
  grammar engine cannot parse fails loudly (``SchemaUnsupported``) instead of silently falling back to
  generic JSON (NOTES A3).
- The output is parsed and validated against the schema; anything malformed is ``MalformedOutput``.
- Per-field confidence: geometric mean of the value tokens' probabilities, lowered when the value is not
  found in the input (grounding). Overall confidence is the weakest required field.
"""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema
import llama_cpp
from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

from inference.engine import CancelToken, Generation, LocalEngine
from inference.errors import MalformedOutput, SchemaInvalid, SchemaUnsupported
from inference.grounding import normalize, value_grounded
from inference.prompting import Message
from inference.schema_limits import check_schema_limits
from inference.tasks.base import ExtractSpec, FieldConfidence, TaskResult, Usage
from inference.tasks.common import check_text, escape_special, fit_tokens, timed
from inference.tasks.json_spans import top_level_spans

MAX_OUTPUT_TOKENS = 512
UNGROUNDED_FACTOR = 0.4  # a value we cannot find in the input keeps 40% of its token confidence


def check_schema(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        raise SchemaInvalid("The schema must be a JSON object (a JSON Schema document).")
    check_schema_limits(schema)  # depth and patterns, checked without recursion (inference.schema_limits)
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise SchemaInvalid(f"The schema is not valid JSON Schema at {where}: {err.message}") from err
    return schema


def build_grammar(engine: LocalEngine, schema: dict[str, Any]) -> LlamaGrammar:
    try:
        gbnf = json_schema_to_gbnf(json.dumps(schema))
    except (ValueError, KeyError, TypeError, RecursionError, AssertionError) as err:
        raise SchemaUnsupported(f"The local model cannot follow this schema: {err}") from err
    probe = llama_cpp.llama_sampler_init_grammar(engine._vocab(), gbnf.encode("utf-8"), b"root")
    if not probe:
        raise SchemaUnsupported("The grammar built from this schema was rejected by llama.cpp.")
    llama_cpp.llama_sampler_free(probe)
    return LlamaGrammar.from_string(gbnf, verbose=False)


def build_messages(text: str, schema: dict[str, Any]) -> list[Message]:
    system = (
        "You extract information from the user's text into JSON that follows this JSON Schema:\n"
        f"{json.dumps(schema, ensure_ascii=False)}\n"
        "Copy values exactly as they appear in the text. Use null when a value is not in the text. "
        "Answer with the JSON only."
    )
    return [Message("system", system), Message("user", text)]


def extract(engine: LocalEngine, text: str, spec: ExtractSpec, cancel: CancelToken | None = None) -> TaskResult:
    schema = check_schema(spec.schema)
    text = escape_special(engine, check_text(text))
    grammar = build_grammar(engine, schema)
    with timed() as timer:
        head = len(engine.tokenize(engine.prompter.render(build_messages("", schema))))
        text, kept = fit_tokens(engine, text, engine.n_ctx - head - MAX_OUTPUT_TOKENS)
        prompt = engine.tokenize(engine.prompter.render(build_messages(text, schema)))
        gen = engine.generate(prompt, MAX_OUTPUT_TOKENS, grammar=grammar, cancel=cancel)
    value = parse_and_validate(gen, schema)
    fields, confidence, mean_prob = score_fields(engine, gen, value, schema, text)
    signals = {"mean_token_probability": mean_prob, "input_kept": kept}
    if fields:
        signals["grounded_fraction"] = sum(f.grounded for f in fields.values()) / len(fields)
    return TaskResult(
        task="extract",
        output=value,
        confidence=confidence,
        signals=signals,
        usage=Usage(prompt_tokens=len(prompt), completion_tokens=len(gen.tokens)),
        latency_ms=timer.ms,
        model=engine.model_name,
        method="json-grammar",
        fields=fields,
    )


def parse_and_validate(gen: Generation, schema: dict[str, Any]) -> Any:
    if gen.finish == "length":
        raise MalformedOutput(f"The model's JSON was cut off after {len(gen.tokens)} tokens.")
    try:
        value = json.loads(gen.text)
    except json.JSONDecodeError as err:
        raise MalformedOutput(f"The model's output is not valid JSON ({err.msg} at char {err.pos}).") from err
    errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(value), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise MalformedOutput(f"The model's JSON does not match the schema at {where}: {errors[0].message}")
    return value


def _token_offsets(engine: LocalEngine, gen: Generation) -> list[tuple[int, int]]:
    """Character span of each generated token in ``gen.text``."""
    spans, pos, raw = [], 0, b""
    for tok in gen.tokens:
        raw += engine.token_piece(tok)
        end = len(raw.decode("utf-8", errors="ignore"))
        spans.append((pos, end))
        pos = end
    return spans


def score_fields(
    engine: LocalEngine, gen: Generation, value: Any, schema: dict[str, Any], source: str
) -> tuple[dict[str, FieldConfidence] | None, float, float]:
    logprobs = gen.logprobs
    mean_prob = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0
    if not isinstance(value, dict):
        grounded = value_grounded(value, source)
        return None, mean_prob * (1.0 if grounded else UNGROUNDED_FACTOR), mean_prob
    offsets = _token_offsets(engine, gen)
    source_norm = normalize(source)
    fields: dict[str, FieldConfidence] = {}
    for key, (start, end) in top_level_spans(gen.text).items():
        if gen.text[start] == '"':
            start, end = start + 1, end - 1
        lps = [lp for (a, b), lp in zip(offsets, logprobs, strict=True) if a < end and b > start]
        prob = math.exp(sum(lps) / len(lps)) if lps else mean_prob
        grounded = value_grounded(value.get(key), source, source_norm)
        fields[key] = FieldConfidence(prob * (1.0 if grounded else UNGROUNDED_FACTOR), prob, grounded)
    required = [k for k in schema.get("required", []) if k in fields] or list(fields)
    overall = min((fields[k].confidence for k in required), default=mean_prob)
    return fields, overall, mean_prob
