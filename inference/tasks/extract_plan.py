"""What an extraction schema asks for, field by field.

A schema whose root is an object becomes a list of ``FieldPlan``: one per leaf property (nested objects are
walked; their fields are named ``parent/child``). A leaf is a string, a number or integer (copied from the
text and parsed), a choice (``enum`` / ``const`` / boolean: scored, not copied), or an array of strings or
numbers (every value found). ``$ref`` to ``#/definitions`` or ``#/$defs`` is followed. Anything else
(arrays of objects, ``oneOf`` between shapes, a root that is not an object) is ``SchemaUnsupported``: the
model cannot point at such a value in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from inference.errors import SchemaUnsupported

Kind = Literal["string", "number", "integer", "choice"]
MAX_DEPTH = 4
MAX_FIELDS = 64


@dataclass(frozen=True)
class FieldPlan:
    path: tuple[str, ...]
    kind: Kind
    nullable: bool  # the schema allows null
    required: bool  # every level up to it is required
    question: str  # "the invoice number", or the description the schema gives
    options: tuple[Any, ...] = ()  # choices (kind "choice")
    array: bool = False  # a list of such values
    schema: dict[str, Any] = field(default_factory=dict)  # the leaf's own schema (checked after parsing)

    @property
    def name(self) -> str:
        return "/".join(self.path)


def plan_fields(schema: dict[str, Any]) -> list[FieldPlan]:
    root, types = _flatten(schema, schema)
    if types - {"object"} or "properties" not in root:
        raise SchemaUnsupported("The local model extracts into an object with named properties.",
                                hint='Use a schema like {"type": "object", "properties": {"name": {"type": '
                                     '"string"}}}.')
    plans = _object(schema, root, (), True, 0)
    if not plans:
        raise SchemaUnsupported("The schema names no properties to extract.")
    if len(plans) > MAX_FIELDS:
        raise SchemaUnsupported(f"The schema has {len(plans)} fields; the local model handles at most {MAX_FIELDS}.")
    return plans


def _object(root: dict[str, Any], node: dict[str, Any], path: tuple[str, ...], required: bool,
            depth: int) -> list[FieldPlan]:
    node = _resolve(root, node)
    if depth > MAX_DEPTH:
        raise SchemaUnsupported(f"The schema nests objects deeper than {MAX_DEPTH} levels at {'/'.join(path)}.")
    wanted = set(node.get("required", []))
    plans: list[FieldPlan] = []
    for name, raw in node.get("properties", {}).items():
        sub, types = _flatten(root, raw if isinstance(raw, dict) else {})
        here = (*path, str(name))
        if "object" in types and "properties" in sub:
            plans += _object(root, sub, here, required and name in wanted, depth + 1)
        else:
            plans.append(_leaf(root, raw if isinstance(raw, dict) else {}, here, required and name in wanted))
    return plans


def _leaf(root: dict[str, Any], node: dict[str, Any], path: tuple[str, ...], required: bool) -> FieldPlan:
    node, types = _flatten(root, node)
    nullable = "null" in types or not types
    question = _question(node, path)
    if "enum" in node or "const" in node:
        options = tuple(node["enum"]) if "enum" in node else (node["const"],)
        return FieldPlan(path, "choice", nullable or None in options, required, question,
                         tuple(o for o in options if o is not None), schema=node)
    if types - {"null"} == {"boolean"}:
        return FieldPlan(path, "choice", nullable, required, question, (True, False), schema=node)
    if types - {"null"} == {"array"}:
        items = node.get("items")
        inner = _scalar_kind(_types(root, items if isinstance(items, dict) else {}) - {"null"}, path)
        return FieldPlan(path, inner, nullable, required, question, array=True, schema=node)
    return FieldPlan(path, _scalar_kind(types - {"null"}, path), nullable, required, question, schema=node)


def _scalar_kind(types: set[str], path: tuple[str, ...]) -> Kind:
    if not types or "string" in types:
        return "string"
    if types <= {"number", "integer"}:
        return "integer" if types == {"integer"} else "number"
    raise SchemaUnsupported(f"The field '{'/'.join(path)}' ({', '.join(sorted(types))}) cannot be copied from "
                            "the text.", hint="Use strings, numbers, booleans, enums, objects of those, or "
                                              "arrays of strings or numbers.")


def _flatten(root: dict[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The (sub)schema with a lone non-null ``anyOf`` / ``oneOf`` branch merged in, and the types it allows."""
    node = _resolve(root, node)
    declared = node.get("type")
    types = {declared} if isinstance(declared, str) else {str(t) for t in declared} if isinstance(declared, list) \
        else set()
    branches = node.get("anyOf") or node.get("oneOf")
    if not isinstance(branches, list) or not branches:
        return node, types
    resolved = [_resolve(root, b) for b in branches if isinstance(b, dict)]
    real = [b for b in resolved if b.get("type") != "null"]
    if len(real) < len(resolved):
        types.add("null")
    if len(real) == 1:
        merged = {**real[0], **{k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "type")}}
        inner, inner_types = _flatten(root, merged)
        return inner, types | inner_types
    for branch in real:
        types |= _flatten(root, branch)[1]
    if types - {"null", "string", "number", "integer", "boolean"}:
        raise SchemaUnsupported("'anyOf' / 'oneOf' between objects or arrays is not supported by the local model.")
    return node, types


def _types(root: dict[str, Any], node: dict[str, Any]) -> set[str]:
    return _flatten(root, node)[1]


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        match = re.fullmatch(r"#/(definitions|\$defs)/([^/]+)", ref)
        if not match or seen > 8:
            raise SchemaUnsupported(f"The reference {ref!r} cannot be followed (only #/definitions/NAME or "
                                    "#/$defs/NAME).")
        node = root.get(match.group(1), {}).get(match.group(2))
        if not isinstance(node, dict):
            raise SchemaUnsupported(f"The reference {ref!r} points at nothing.")
        seen += 1
    return node


def _question(node: dict[str, Any], path: tuple[str, ...]) -> str:
    """The phrase the model is asked about: the schema's description, else the field name in words."""
    description = node.get("description") or node.get("title")
    if isinstance(description, str) and description.strip():
        return description.strip().rstrip(".")
    words = [_words(p) for p in reversed(path)]
    return "the " + " of the ".join(words)


def _words(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.sub(r"[_\-.]+", " ", spaced).strip().lower() or name
