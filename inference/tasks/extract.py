"""Extraction that copies or says null: every value is a span of the input, or "not found".

1. The schema is checked (jsonschema meta-schema) and planned field by field (``extract_plan``).
2. Candidate spans of the input are scored as the answer to each field's question, and to a neutral
   question (``span_scoring``); for numbers only the numbers written in the text are candidates, and a
   typed field's question scores only its parser's candidates (``typed_only``). A long text's paths are
   capped per question (``span_scoring.MAX_PATHS``, chosen by a pre-score the prompt gives for free).
3. Per field, the best span by pointwise mutual information (field question vs neutral question) is put
   against "not found": a logistic calibration of its scores (``ZeroShotCalibration``, fitted on held-out
   data, see ``bench/bench_extract.py``) gives the probability that the span is the right value. It is
   emitted when that probability is at least ``EMIT``; otherwise the field is not found (null where the
   schema allows it, left out where it is optional). A *required* field that is not found is never
   invented: it is null in the output and named in ``TaskResult.missing``, and the answer's confidence
   is 0, so the router sends it to the next tier (or the user is told which field the text lacks).
4. Choices (``enum``, ``const``, booleans) are scored as answers, not copied.

The model cannot write a value it cannot point at: strings are the text of a span, numbers are parsed from
one. Every field carries its ``SourceSpan`` (offsets into the request's text) and a confidence, the
probability that the field's answer — value or "not found" — is right; the overall confidence is the
weakest field, so one doubtful value (optional or not) sends the whole answer to the threshold check, and
0 when a required field is missing (the answer does not satisfy the schema).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import jsonschema
import numpy as np

from inference.engine import CancelToken, LocalEngine
from inference.errors import MalformedOutput, SchemaInvalid
from inference.grounding import locate, readings
from inference.schema_limits import check_schema_limits
from inference.tasks.base import ExtractSpec, FieldConfidence, SourceSpan, TaskResult, Usage
from inference.tasks.common import check_text, fit_tokens, timed
from inference.tasks.extract_plan import FieldPlan, plan_fields
from inference.tasks.span_scoring import FloatArray, SpanScores, score_options, score_spans
from inference.tasks.typed_candidates import TypeName, candidates, type_of

UNGROUNDED_FACTOR = 0.4  # the org tier (inference/providers/logprobs.py): a value not in the input keeps 40%
EMIT = 0.5  # emit a span when it is at least as likely right as not
PROMPT_ROOM = 160  # tokens kept free for the instructions and the longest candidate
MAX_TRIES = 8  # candidates tried, best first, for a field whose schema rejects a span (pattern, maximum...)
METHOD = "span-scoring"


@dataclass(frozen=True)
class ZeroShotCalibration:
    """P(the best span is the right value) and P(the field is truly absent), from the span's scores.

    Both are logistic in ``features()`` (the best span's PMI, log-probability and margin, the field's type,
    its candidate set and the schema's other fields). Fitted with ``bench/bench_extract.py --fit-zero-shot``
    on dev data (NLU++ banking training side, invoice texts, format sentences, short replies), for the
    starter model.
    """

    right: tuple[float, ...]  # weights..., intercept
    absent: tuple[float, ...]

    def p_right(self, x: list[float]) -> float:
        return _logistic(self.right, x)

    def p_absent(self, x: list[float]) -> float:
        return _logistic(self.absent, x)


def _logistic(w: tuple[float, ...], x: list[float]) -> float:
    z = sum(a * b for a, b in zip(w[:-1], x, strict=True)) + w[-1]
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# Fitted 2026-11-30 (fourth round) with ``bench/bench_extract.py --fit-zero-shot`` on 486 dev messages (2,121
# fields with a candidate, 206 right best spans): 353 of the NLU++ banking training side (``fit_rows``), the 16
# invoice texts, 77 sentences of the redaction sets with an e-mail address or a dated day, 40 short chat replies
# written for Inhouse; SmolLM2-135M-Instruct Q4_1. 5-fold cross-validated on that dev data (grouped by
# message): field-confidence AUROC 0.870, F1 0.43, hallucination rate 0.021 at EMIT 0.5.
CALIBRATION = ZeroShotCalibration(
    right=(0.2182, 0.6023, -0.0854, 1.6865, -1.1547, 0.0237, -0.0124, -0.7947, -0.339, -0.7127, 0.415, 0.5726,
           -0.4831, 0.8432),
    absent=(-0.2737, -0.4691, 0.0839, -2.6075, 0.4232, 0.4232, 0.0876, 0.9778, 0.1897, 0.6965, -0.3415, -0.5046,
            0.6114, -0.3028))


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


@dataclass(frozen=True)
class FieldAnswer:
    """One field's answer inside the (stripped) source: value, span, confidence; ``found`` False = not found."""

    value: Any
    span: tuple[int, int] | None
    confidence: float
    raw: float
    found: bool


def extract(engine: LocalEngine, text: str, spec: ExtractSpec, cancel: CancelToken | None = None) -> TaskResult:
    schema = check_schema(spec.schema)
    plans = plan_fields(schema)
    source = check_text(text)
    lead = text.index(source)
    with timed() as timer:
        source, kept = fit_tokens(engine, source, text_budget(engine))
        scores = score_spans(engine, source, questions(plans), cancel, typed_spans(plans, source),
                             only=typed_only(plans, source))
        choices = {p.name: _choice_scores(engine, p, source, cancel) for p in plans if p.kind == "choice"}
    result = finish(plans, schema, source, lead, scores, choices)
    usage = Usage(prompt_tokens=len(engine.tokenize(source)) * (len(questions(plans)) + 1 + len(choices)))
    return replace(result, latency_ms=timer.ms, model=engine.model_name, usage=usage,
                   signals={**result.signals, "input_kept": kept})


def text_budget(engine: LocalEngine) -> int:
    """Tokens of input one extraction reads (a longer text is cut; ``app.longdoc`` chunks to this)."""
    return engine.n_ctx - PROMPT_ROOM


def typed_spans(plans: list[FieldPlan], source: str) -> list[tuple[int, int]]:
    """The spans the fields' declared types propose (e-mails, URIs, dates, pattern matches)."""
    return [c.span for p in plans if type_of(p) not in (None, "number") for c in candidates(p, source)]


def typed_only(plans: list[FieldPlan], source: str) -> dict[str, set[tuple[int, int]]]:
    """For a question only typed fields ask: the spans their parsers propose (nothing else is scored under
    it; none at all costs no model time, and such a field is surely not found)."""
    only: dict[str, set[tuple[int, int]]] = {}
    untyped = {p.question for p in plans if p.kind != "choice" and type_of(p) is None}
    for plan in plans:
        if plan.kind != "choice" and plan.question not in untyped:
            only.setdefault(plan.question, set()).update(c.span for c in candidates(plan, source))
    return only


def questions(plans: list[FieldPlan]) -> list[str]:
    return [p.question for p in plans if p.kind != "choice"]


def finish(plans: list[FieldPlan], schema: dict[str, Any], source: str, lead: int, scores: SpanScores,
           choices: dict[str, tuple[list[Any], FloatArray]]) -> TaskResult:
    """The decisions from the model's scores (no model time: the bench replays cached scores through it)."""
    answers = {p.name: _choice(p, *choices[p.name], source) if p.kind == "choice" else answer_field(p, scores, source)
               for p in plans}
    return build_result(plans, answers, schema, lead, METHOD, 0.0, "",
                        signals={"candidates": float(len(scores.spans))})


# -- one field -------------------------------------------------------------------------------------

def answer_field(plan: FieldPlan, scores: SpanScores, source: str) -> FieldAnswer:
    pool, value_of = _pool(plan, scores, source)
    if not pool:  # nothing in the text is a candidate (e.g. no e-mail address at all): surely not found
        return FieldAnswer(None, None, 1.0, 0.0, False)
    pmi = scores.pmi(plan.question)
    ranked = sorted(pool, key=lambda i: -pmi[i])
    x = features(scores, plan.question, ranked, type_of(plan))
    p_right = CALIBRATION.p_right(x)
    valid = [(i, v) for i in ranked[:MAX_TRIES] if (v := value_of(i)) is not None]
    if plan.array:
        return _array(plan, scores, ranked, valid, x)
    if valid and p_right >= EMIT:
        index, value = valid[0]  # the best span the schema accepts: its own confidence when not the best
        p = p_right if index == ranked[0] else CALIBRATION.p_right(features(scores, plan.question, ranked,
                                                                             type_of(plan), at=index))
        return FieldAnswer(value, scores.spans[index], p, x[0], True)
    return FieldAnswer(None, None, CALIBRATION.p_absent(x), x[0], False)


def features(scores: SpanScores, question: str, ranked: list[int], kind: TypeName | None,
             at: int | None = None) -> list[float]:
    """The calibration's inputs for candidate ``at`` (default the best, ``ranked[0]``) of a field whose
    candidates are ``ranked`` (best first by PMI):

    0-4. its PMI, its log-probability as the answer, the best span's PMI margin over the runner-up (10 when
         it has none), 1 for a number field, 1 for a field whose format or pattern chose the candidates;
    5.   its share of the answer mass the field's question puts on all the candidates (log);
    6.   the mean PMI of the candidates;
    7.   1 when another field's question raises this span more than this field's does (the span is more
         likely that field's value: "Friday" asked as a time when the schema also asks for a day);
    8-12. features 0, 1, 2, 5, 6 again for a field whose format chose the candidates (0 otherwise): a
         parser's few candidates are read differently from every run of words.

    5-7 read the field's whole candidate set and the schema's other fields, not one span: how much the
    question's answer mass sits on this span (a lone candidate of a short reply holds it all whether it is
    a value or not), how much the question raises every span alike, whether the span is another field's.
    The fit on dev data (``bench/bench_extract.py --fit-zero-shot``) decides how much each one counts.
    """
    pmi = scores.pmi(question)
    logp = scores.by_question[question]
    best = ranked[0]
    at = best if at is None else at
    runner_up = float(pmi[ranked[1]]) if len(ranked) > 1 else float(pmi[best]) - 10.0
    share = float(logp[at]) - float(np.logaddexp.reduce(logp[ranked]))
    mean = float(np.mean(pmi[ranked]))
    claimed = any(float(scores.pmi(q)[at]) > float(pmi[at]) for q in scores.by_question if q != question)
    typed = float(kind not in (None, "number"))
    own = [float(pmi[at]), float(logp[at]), float(pmi[best]) - runner_up]
    return [*own, float(kind == "number"), typed, share, mean, float(claimed),
            *(typed * v for v in (*own, share, mean))]


def _pool(plan: FieldPlan, scores: SpanScores, source: str) -> tuple[list[int], Callable[[int], Any]]:
    """The scored spans this field may answer with, and the value span i gives (None: the schema rejects
    it). A typed field (``typed_candidates``) only answers with what its type's parser found in the text."""
    finite = [i for i in range(len(scores.spans)) if math.isfinite(scores.by_question[plan.question][i])]
    kind = type_of(plan)
    if kind in (None, "number"):
        pool = finite if kind is None else \
            [i for i in finite if _number(plan, source[slice(*scores.spans[i])]) is not None]
        return pool, lambda i: _value(plan, source, scores.spans[i])
    proposed = {c.span: c.value for c in candidates(plan, source)}
    return [i for i in finite if scores.spans[i] in proposed], lambda i: _checked(plan, proposed[scores.spans[i]])


def _number(plan: FieldPlan, text: str) -> float | int | None:
    from inference.grounding import NUMBER

    if not NUMBER.fullmatch(text):
        return None
    values = readings(text)
    if not values:
        return None
    if plan.kind == "integer":
        whole = [v for v in values if float(v).is_integer()]
        return int(whole[0]) if whole else None
    return values[0]


def _value(plan: FieldPlan, source: str, span: tuple[int, int]) -> Any:
    """The value a span gives this field, or None when the field's schema rejects it."""
    text = source[span[0] : span[1]]
    return _checked(plan, text if plan.kind == "string" else _number(plan, text))


def _checked(plan: FieldPlan, value: Any) -> Any:
    if value is None:
        return None
    check = {**plan.schema, "type": plan.kind} if not plan.array else plan.schema.get("items", {})
    if not isinstance(check, dict) or not _valid(check, value):
        return None
    return value


def _valid(schema: dict[str, Any], value: Any) -> bool:
    try:
        return bool(jsonschema.validators.validator_for(schema)(schema).is_valid(value))
    except (jsonschema.SchemaError, TypeError, ValueError):
        return False


def _array(plan: FieldPlan, scores: SpanScores, ranked: list[int], valid: list[tuple[int, Any]],
           x: list[float]) -> FieldAnswer:
    """Every span likely enough, in text order, not overlapping a better one."""
    taken: list[tuple[int, Any]] = []
    worst = 1.0
    for index, value in valid:
        start, end = scores.spans[index]
        p = CALIBRATION.p_right(features(scores, plan.question, ranked, type_of(plan), at=index))
        if p < EMIT or any(s < end and start < e for s, e in (scores.spans[i] for i, _ in taken)):
            continue
        taken.append((index, value))
        worst = min(worst, p)
    if not taken:
        return FieldAnswer([] if not plan.nullable else None, None, CALIBRATION.p_absent(x), x[0], False)
    taken.sort(key=lambda item: scores.spans[item[0]][0])
    first, last = scores.spans[taken[0][0]], scores.spans[taken[-1][0]]
    return FieldAnswer([v for _, v in taken], (first[0], last[1]), worst, x[0], True)


def _choice_scores(engine: LocalEngine, plan: FieldPlan, source: str,
                   cancel: CancelToken | None) -> tuple[list[Any], FloatArray]:
    options: list[Any] = [*plan.options, None] if plan.nullable else list(plan.options)
    names = ["yes" if o is True else "no" if o is False else "none" if o is None else str(o) for o in options]
    return options, score_options(engine, source, plan.question, names, cancel)


def _choice(plan: FieldPlan, options: list[Any], logp: FloatArray, source: str) -> FieldAnswer:
    """The likeliest option (softmax over the options' scores); None ("none") is not found."""
    probs = np.exp(logp - logp.max())
    probs /= probs.sum()
    best = int(probs.argmax())
    value = options[best]
    if value is None:
        return FieldAnswer(None, None, float(probs[best]), float(probs[best]), False)
    where = locate(value, source) if isinstance(value, str) else None
    span = (where.start, where.end) if where else None
    return FieldAnswer(value, span, float(probs[best]), float(probs[best]), True)


# -- the result ------------------------------------------------------------------------------------

def build_result(
    plans: list[FieldPlan], answers: dict[str, FieldAnswer], schema: dict[str, Any], lead: int, method: str,
    latency_ms: float, model: str, *, signals: dict[str, float] | None = None, usage: Usage | None = None,
) -> TaskResult:
    """Assemble the JSON (nested as the schema is), validate it, and attach each field's evidence.
    ``lead`` shifts span offsets from the stripped source to the request's text.

    A required field without a value is null and named in ``missing`` (its own confidence stays that of
    "not found"); the answer's confidence is then 0: it does not satisfy the schema, so it is routed on."""
    output: dict[str, Any] = {}
    fields: dict[str, FieldConfidence] = {}
    missing: list[FieldPlan] = []
    for plan in plans:
        answer = answers[plan.name]
        if not answer.found and plan.required and not _empty_allowed(plan):
            missing.append(plan)
        if answer.found or plan.nullable or plan.required:
            _put(output, plan.path, answer.value if answer.found else _empty(plan))
        span = SourceSpan(answer.span[0] + lead, answer.span[1] + lead) if answer.span else None
        grounded = not answer.found or span is not None or plan.kind == "choice"
        fields[plan.name] = FieldConfidence(answer.confidence, answer.raw, grounded, span, answer.found)
    _check(output, schema, skip={p.path for p in missing})
    confidence = 0.0 if missing else min((f.confidence for f in fields.values()), default=0.0)
    found = [f for f in fields.values() if f.found]
    extra = {"fields_found": float(len(found)), "mean_field_confidence":
             sum(f.confidence for f in fields.values()) / max(1, len(fields)), "missing_fields": float(len(missing))}
    return TaskResult(task="extract", output=output, confidence=confidence, signals={**(signals or {}), **extra},
                      usage=usage or Usage(), latency_ms=latency_ms, model=model, method=method, fields=fields,
                      missing=tuple(p.name for p in missing))


def _empty_allowed(plan: FieldPlan) -> bool:
    """The schema accepts this field's "not found" (null, or an empty list)."""
    return plan.nullable or (plan.array and _valid(plan.schema, []))


def _empty(plan: FieldPlan) -> Any:
    return None if plan.nullable or not plan.array else []


def _put(output: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = output
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _check(output: dict[str, Any], schema: dict[str, Any], skip: set[tuple[str, ...]] | None = None) -> None:
    """``MalformedOutput`` unless ``output`` validates; errors at the paths in ``skip`` (required fields
    known to be missing) are expected and left to the caller."""
    errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(output), key=str)
    errors = [e for e in errors if tuple(str(p) for p in e.absolute_path) not in (skip or set())]
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise MalformedOutput(f"The extracted values do not match the schema at {where}: {errors[0].message}",
                              hint="A required value may be missing from the text; check the input or the schema.")


def parse_and_validate(text: str, schema: dict[str, Any]) -> Any:
    """JSON text (e.g. a frontier answer) parsed and checked against ``schema``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedOutput(f"The output is not valid JSON ({err.msg} at char {err.pos}).") from err
    _check(value, schema)
    return value
