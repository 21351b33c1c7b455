"""JSON from files a user hands us (schemas, eval sets, examples, profiles, exports): never a RecursionError.

Python's ``json`` decoder recurses once per nesting level, so a file of 3,000 ``[`` ends in a
``RecursionError`` (a traceback), and a document a few hundred levels deep parses but may break whatever
walks it next (a validator, our own checks). ``loads`` refuses nesting deeper than ``MAX_DEPTH`` with a
clear ``InputInvalid``, checked without recursion; malformed JSON still raises ``json.JSONDecodeError`` so
each caller words it for its own kind of file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from inference.errors import InputInvalid

MAX_DEPTH = 64  # objects/arrays inside each other; no file Inhouse reads needs more than a handful


class JsonTooDeep(InputInvalid):
    hint = "Such deep nesting is not something Inhouse reads; check that this is the file you meant."


def loads(text: str | bytes, origin: str) -> Any:
    """``json.loads(text)``, or ``JsonTooDeep`` naming ``origin`` when it nests more than ``MAX_DEPTH`` levels."""
    if _depth_over(text, MAX_DEPTH):
        raise JsonTooDeep(f"{origin} is nested more than {MAX_DEPTH} levels deep (objects or arrays).")
    return json.loads(text)


def _depth_over(text: str | bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a scan of the text, no recursion)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets
    depth = 0
    for token in _TOKENS.finditer(raw):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)  # a whole string, or one bracket
