"""Using and improving extractor profiles: extract with a tagger, read examples, learn from corrections.

- ``extract_text``: a ``TaskResult`` from a trained tagger (tier "local", method "trained"), with the
  same per-field evidence (span, confidence, "not found") as zero-shot extraction.
- ``read_examples``: examples from JSONL, one ``{"text": ..., "values": {"field": V}}`` per line, where V
  is the value as written in the text (found there, at word boundaries), ``[start, end]`` offsets, or null.
- ``add_correction``: "this field should be ..." (a value in the text, a selected span, or "not in the
  text") turns the message into an example, the other fields as the answer had them; the profile with the
  request's schema gets it (one is created, named after the schema, when there is none).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from app.extractor_files import Example, Profile, Span
from app.extractors import ExtractorStore
from app.inputs import read_text_file
from app.json_files import loads
from app.outcome import Outcome
from inference.engine import CancelToken
from inference.errors import ExtractorNotTrained, InputInvalid
from inference.grounding import locate
from inference.tasks.base import ExtractSpec, TaskResult
from inference.tasks.common import check_text, timed
from inference.tasks.extract import FieldAnswer, build_result
from inference.tasks.extract_plan import FieldPlan, plan_fields
from inference.token_features import TokenEncoder


def extract_text(profile: Profile, encoder: TokenEncoder, text: str, cancel: CancelToken | None = None) -> TaskResult:
    if profile.trained is None:
        raise ExtractorNotTrained(f"The extractor '{profile.name}' has not been trained yet.")
    source = check_text(text)
    lead = text.index(source)
    tagger = profile.trained.tagger
    plans = plan_fields(profile.schema)
    with timed() as timer:
        states = encoder.encode([source], cancel=cancel, remember=False)[0]
        guesses = tagger.guess(source, states)
    answers = {p.name: _answer(p, source, guesses[p.name], tagger.calibration[p.name]) for p in plans}
    return build_result(plans, answers, profile.schema, lead, "trained", timer.ms,
                        f"{encoder.model.name} + extractor {profile.name}",
                        signals={"extractor_revision": float(profile.revision), "tokens": float(len(states))})


def _answer(plan: FieldPlan, source: str, guess: Any, calibration: Any) -> FieldAnswer:
    if guess.span is not None:
        value = _parse(plan, source[slice(*guess.span)])
        if value is not None:
            return FieldAnswer(value, guess.span, calibration.p_right(guess), guess.mean, True)
    return FieldAnswer(None, None, calibration.p_absent(guess), guess.peak, False)


def _parse(plan: FieldPlan, text: str) -> Any:
    if plan.kind == "string":
        return text
    from inference.grounding import NUMBER, readings

    match = NUMBER.search(text)
    if match is None:
        return None
    values = readings(match.group())
    if plan.kind == "integer":
        whole = [int(v) for v in values if float(v).is_integer()]
        return whole[0] if whole else None
    return values[0] if values else None


# -- examples ---------------------------------------------------------------------------------------

def example_from_values(text: str, values: dict[str, Any], fields: tuple[str, ...], source: str = "user",
                        where: str = "") -> Example:
    """An example whose values are given as the text they are written as, [start, end], or null."""
    text = text.strip()
    if not text:
        raise InputInvalid(f"{where}the example's text is empty.")
    spans: dict[str, Span | None] = {}
    for name, value in _flatten(values).items():
        if name not in fields:
            raise InputInvalid(f"{where}'{name}' is not a field of this extractor ({', '.join(fields)}).")
        spans[name] = _span(text, value, name, where)
    return Example(text, {f: spans.get(f) for f in fields}, source)


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _span(text: str, value: Any, name: str, where: str) -> Span | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        if not 0 <= value[0] < value[1] <= len(text):
            raise InputInvalid(f"{where}the span {value} of '{name}' is outside the text.")
        return value[0], value[1]
    found = locate(value, text) if isinstance(value, str | int | float) else None
    if found is None and isinstance(value, str):  # written inside a longer word ("5" of "5ish")
        at = text.casefold().find(value.strip().casefold())
        if at >= 0 and len(text.casefold()) == len(text):
            return at, at + len(value.strip())
    if found is None:
        raise InputInvalid(f"{where}the value {value!r} of '{name}' is not written in the text.",
                           hint="Extractors learn values copied from the text: give the words as written there, "
                                "or [start, end] offsets.")
    return found.start, found.end


def read_examples(path: Path, profile: Profile) -> list[Example]:
    """Examples from a JSONL file (``values`` or ``expected`` per line); see the module doc."""
    content = read_text_file(Path(path))
    out = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{Path(path).name}, line {number}: "
        try:
            item = loads(line, where.rstrip(": "))
        except json.JSONDecodeError as err:
            raise InputInvalid(f"{where}not valid JSON ({err.msg}).") from err
        values = item.get("values", item.get("expected")) if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(values, dict):
            raise InputInvalid(f"{where}expected an object with \"text\" and \"values\".",
                               hint='e.g. {"text": "Paid 12 EUR to Acme", "values": {"vendor": "Acme"}}')
        out.append(example_from_values(item["text"], values, profile.fields, "user", where))
    return out


# -- corrections ------------------------------------------------------------------------------------

def _profile_name(schema: dict[str, Any]) -> str:
    title = schema.get("title")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", title.strip() if isinstance(title, str) else "").strip("-.").lower()[:48]
    return slug or "extractor"


def profile_for_outcome(store: ExtractorStore, outcome: Outcome) -> Profile:
    """The profile an extract outcome's corrections go to: the named one, one with its schema, or a new one."""
    spec = outcome.request.spec
    if not isinstance(spec, ExtractSpec):
        raise InputInvalid("Only extraction results can be corrected field by field.")
    if spec.extractor:
        return store.get(spec.extractor)
    found = store.for_schema(spec.schema)
    if found is not None:
        return found
    base = name = _profile_name(spec.schema)
    taken = {n.casefold() for n in store.names()}
    number = 2
    while name.casefold() in taken:
        name, number = f"{base}-{number}", number + 1
    return store.create(name, spec.schema)


def add_correction(store: ExtractorStore, outcome: Outcome, field: str, value: Any) -> str:
    """Make the outcome's message an example with ``field`` = ``value`` (text, [start, end] or None) and
    every other field as the answer had it; returns the profile's name."""
    profile = profile_for_outcome(store, outcome)
    if field not in profile.fields:
        raise InputInvalid(f"'{field}' is not a field of '{profile.name}' ({', '.join(profile.fields)}).")
    text = outcome.request.text
    source = text.strip()
    lead = text.index(source) if source else 0
    values: dict[str, Any] = {}
    for name in profile.fields:
        evidence = (outcome.local.fields or {}).get(name) if outcome.remote is None else None
        if evidence is not None and evidence.found and evidence.span is not None:
            values[name] = [evidence.span.start - lead, evidence.span.end - lead]
        else:
            values[name] = _answer_value(outcome.answer, name)
    if isinstance(value, list | tuple) and len(value) == 2:
        value = [int(value[0]) - lead, int(value[1]) - lead]  # a selection in the request's text
    values[field] = value
    values = {k: v for k, v in values.items() if k == field or v is None or _writable(source, v)}
    example = example_from_values(source, values, profile.fields, "correction")
    store.add_examples(profile.name, [example])
    return profile.name


def _answer_value(answer: Any, path: str) -> Any:
    node = answer
    for key in path.split("/"):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, str | int | float) and not isinstance(node, bool) else None


def _writable(source: str, value: Any) -> bool:
    """A value the other fields keep only when it can be pointed at in the text."""
    if isinstance(value, list):
        return True
    return locate(value, source) is not None
