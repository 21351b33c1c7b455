"""Eval sets: the file format, and its validation before anything runs.

An eval set is one JSON object (see resources/eval/README.md)::

    {"name": "sentiment", "task": "classify", "source": "who wrote the items, licence",
     "labels": ["positive", "negative"], "descriptions": {"positive": "..."},      # classify
     "schema": {...JSON Schema...}, "compare": ["date", "total"],                    # extract
     "max_words": 30,                                                                # summarize
     "items": [{"text": "...", "expected": "positive"},                             # a label
               {"text": "...", "expected": {"date": "3 May", "total": null}},       # field values (null = absent)
               {"text": "...", "references": ["one summary", "another"]}]}          # summaries

Every problem in the file is collected and reported together with where it is (``items[3].expected``),
as ``EvalSetInvalid``: a set with ``labels`` as a string, an expected label outside the label set, an
item of the wrong shape or a schema that is not valid JSON Schema never starts a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.documents import require_file
from app.json_files import loads
from inference.errors import InputInvalid
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskName, TaskSpec, check_labels

MAX_PROBLEMS_SHOWN = 8
FORMAT_HINT = "See resources/eval/README.md for the format (examples: resources/eval/sentiment.json)."


class EvalSetInvalid(InputInvalid):
    """The eval set file cannot be used; ``problems`` lists every reason found."""

    hint = FORMAT_HINT

    def __init__(self, path: Path, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = "\n".join(f"  - {p}" for p in shown) + (f"\n  - ... and {more} more" if more else "")
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{path} is not a usable eval set ({len(problems)} {noun}):\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class EvalItem:
    text: str
    expected: Any  # classify: a label; extract: {field: value or None}; summarize: tuple of references


@dataclass(frozen=True)
class EvalSet:
    name: str
    spec: TaskSpec
    items: tuple[EvalItem, ...]
    compare: tuple[str, ...] = ()  # extract: the fields scored
    source: str = ""

    @property
    def task(self) -> TaskName:
        return self.spec.task


def load_eval_set(path: Path) -> EvalSet:
    """Read and check an eval set; raises ``EvalSetInvalid`` listing every problem."""
    path = Path(path)
    try:
        require_file(path)
        doc = loads(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as err:
        raise InputInvalid(f"Cannot read the eval set {path}: {err}", hint=FORMAT_HINT) from err
    except json.JSONDecodeError as err:
        raise EvalSetInvalid(path, [f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"]) from err
    problems: list[str] = []
    evalset = _parse(doc, path, problems)
    if problems or evalset is None:
        raise EvalSetInvalid(path, problems or ["nothing to evaluate"])
    return evalset


def _parse(doc: Any, path: Path, problems: list[str]) -> EvalSet | None:
    if not isinstance(doc, dict):
        problems.append(f"the file must hold one JSON object, not {_kind(doc)}")
        return None
    task = doc.get("task")
    spec: TaskSpec | None = None
    compare: tuple[str, ...] = ()
    if task == "classify":
        spec = _classify_spec(doc, problems)
    elif task == "extract":
        spec, compare = _extract_spec(doc, problems)
    elif task == "summarize":
        spec = _summarize_spec(doc, problems)
    else:
        problems.append(f"task: must be \"classify\", \"extract\" or \"summarize\", not {json.dumps(task)}")
    items = _items(doc.get("items"), task, spec, compare, problems)
    for key in ("name", "source"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(f"{key}: must be a string, not {_kind(doc[key])}")
    if spec is None or problems:
        return None
    name = doc.get("name") or path.stem
    return EvalSet(str(name), spec, items, compare, str(doc.get("source", "")))


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _string_list(value: Any, where: str, problems: list[str], example: str) -> list[str] | None:
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list of strings such as {example}, not {_kind(value)}")
        return None
    bad = [i for i, v in enumerate(value) if not isinstance(v, str) or not v.strip()]
    if bad:
        problems.append(f"{where}[{bad[0]}]: must be a non-empty string")
        return None
    return list(value)


def _classify_spec(doc: dict[str, Any], problems: list[str]) -> ClassifySpec | None:
    labels = _string_list(doc.get("labels"), "labels", problems, '["positive", "negative"]')
    if labels is None:
        return None
    dupes = sorted({label for label in labels if labels.count(label) > 1})
    if dupes:
        problems.append(f"labels: listed more than once: {', '.join(dupes)}")
    if len(labels) < 2:
        problems.append("labels: give at least two labels to choose from")
    try:
        check_labels(labels)
    except InputInvalid as err:
        problems.append(f"labels: {err}")
    descriptions = doc.get("descriptions", {})
    if not isinstance(descriptions, dict) or not all(isinstance(v, str) for v in descriptions.values()):
        problems.append("descriptions: must be an object of label -> one-line description")
        descriptions = {}
    unknown = [k for k in descriptions if k not in labels]
    if unknown:
        problems.append(f"descriptions: {', '.join(map(repr, unknown))} not in labels")
    return ClassifySpec(labels=tuple(labels), descriptions=tuple(descriptions.items()))


def _extract_spec(doc: dict[str, Any], problems: list[str]) -> tuple[ExtractSpec | None, tuple[str, ...]]:
    import jsonschema

    schema = doc.get("schema")
    if not isinstance(schema, dict):
        problems.append(f"schema: must be a JSON Schema object, not {_kind(schema)}")
        return None, ()
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        problems.append(f"schema{'/' + where if where else ''}: not valid JSON Schema: {err.message}")
        return None, ()
    raw_props = schema.get("properties")
    properties: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
    compare: list[str] | None = list(properties)
    if "compare" in doc:
        compare = _string_list(doc["compare"], "compare", problems, '["date", "total"]')
        unknown = [f for f in compare or () if properties and f not in properties]
        if unknown:
            problems.append(f"compare: {', '.join(map(repr, unknown))} not among the schema's properties")
    if not compare:
        problems.append("compare: name the fields to score (the schema has no properties to default to)")
        return None, ()
    return ExtractSpec(schema=schema), tuple(compare)


def _summarize_spec(doc: dict[str, Any], problems: list[str]) -> SummarizeSpec | None:
    words = doc.get("max_words", 60)
    if isinstance(words, bool) or not isinstance(words, int) or words < 1:
        problems.append(f"max_words: must be a whole number of words (1 or more), not {json.dumps(words)}")
        return None
    return SummarizeSpec(max_words=words)


def _items(raw: Any, task: Any, spec: TaskSpec | None, compare: tuple[str, ...],
           problems: list[str]) -> tuple[EvalItem, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("items: must be a non-empty list of {\"text\": ..., \"expected\": ...} objects"
                        if not isinstance(raw, list) else "items: the list is empty")
        return ()
    items = []
    for i, item in enumerate(raw):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object with \"text\" and \"expected\", not {_kind(item)}")
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}.text: must be a non-empty string")
            continue
        expected = _expected(item, where, task, spec, compare, problems)
        items.append(EvalItem(text, expected))
    return tuple(items)


def _expected(item: dict[str, Any], where: str, task: Any, spec: TaskSpec | None, compare: tuple[str, ...],
              problems: list[str]) -> Any:
    if task == "summarize":
        refs = item.get("references", item.get("expected"))
        refs = [refs] if isinstance(refs, str) else refs
        listed = _string_list(refs, f"{where}.references", problems, '["a one-line summary"]')
        if listed is not None and not listed:
            problems.append(f"{where}.references: give at least one reference summary")
        return tuple(listed or ())
    if "expected" not in item:
        problems.append(f"{where}: has no \"expected\"")
        return None
    expected = item["expected"]
    if task == "classify" and isinstance(spec, ClassifySpec):
        if not isinstance(expected, str) or expected not in spec.labels:
            problems.append(f"{where}.expected: {json.dumps(expected)} is not one of the labels "
                            f"({', '.join(spec.labels)})")
    elif task == "extract":
        if not isinstance(expected, dict):
            problems.append(f"{where}.expected: must be an object of field -> value (null when absent), "
                            f"not {_kind(expected)}")
            return None
        known = _properties(spec)
        unknown = [k for k in expected if known and k not in known]
        if unknown:
            problems.append(f"{where}.expected: {', '.join(map(repr, unknown))} not among the schema's properties "
                            f"({', '.join(known)})")
    return expected


def _properties(spec: TaskSpec | None) -> list[str]:
    props = spec.schema.get("properties") if isinstance(spec, ExtractSpec) else None
    return list(props) if isinstance(props, dict) else []
