"""Where each top-level value sits in a JSON object's text (for per-field token confidence)."""

from __future__ import annotations

import json
from json.decoder import scanstring  # type: ignore[attr-defined]

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def top_level_spans(text: str) -> dict[str, tuple[int, int]]:
    """Map each key of the top-level object in ``text`` to the (start, end) of its value's text."""
    spans: dict[str, tuple[int, int]] = {}
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "{":
        return spans
    i = _skip(text, i + 1)
    while i < len(text) and text[i] == '"':
        key, i = scanstring(text, i + 1)
        i = _skip(text, i)
        if i >= len(text) or text[i] != ":":
            break
        start = _skip(text, i + 1)
        try:
            _, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            break
        spans[key] = (start, end)
        i = _skip(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
    return spans
