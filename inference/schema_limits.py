"""What a JSON Schema must satisfy before the extractor (jsonschema, the GBNF converter) sees it.

Checked without recursion, so a hostile schema cannot crash the checker itself:
- nesting at most ``MAX_DEPTH`` objects/arrays deep (a schema nested 300 deep otherwise ends in a
  ``RecursionError`` inside the validator);
- every ``pattern`` anchored with ``^`` and ``$`` (llama.cpp's grammar converter supports only those, and
  otherwise fails with an ``AssertionError``), and a valid regular expression.
"""

from __future__ import annotations

import re
from typing import Any

from inference.errors import SchemaInvalid, SchemaUnsupported

MAX_DEPTH = 32
_PATTERN_HINT = 'Anchor the pattern, e.g. "^[A-Z]{2}[0-9]{4}$", or remove it.'


def check_schema_limits(schema: Any) -> None:
    """Raise ``SchemaUnsupported`` / ``SchemaInvalid`` (with a hint) for what the local model cannot use."""
    stack: list[tuple[Any, int, str]] = [(schema, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise SchemaUnsupported(f"The schema is nested more than {MAX_DEPTH} levels deep (at {where or '/'}).",
                                    "Flatten the schema: a few levels of objects and arrays are enough.")
        if isinstance(node, dict):
            pattern = node.get("pattern")
            if isinstance(pattern, str) and _is_schema_pattern(node):
                _check_pattern(pattern, where)
            stack.extend((value, depth + 1, f"{where}/{key}") for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, depth + 1, f"{where}/{i}") for i, value in enumerate(node))


def _is_schema_pattern(node: dict[str, Any]) -> bool:
    """``pattern`` as a keyword (next to a type or other keywords), not a property named "pattern"."""
    return not isinstance(node.get("pattern"), dict)


def _check_pattern(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as err:
        raise SchemaInvalid(f"The pattern {pattern!r} at {where or '/'} is not a valid regular expression: {err}.",
                            _PATTERN_HINT) from None
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise SchemaUnsupported(f"The pattern {pattern!r} at {where or '/'} must start with ^ and end with $ for "
                                "the local model.", _PATTERN_HINT)
