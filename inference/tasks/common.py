"""Helpers every local task shares: input checks, fitting text into the context, timing."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from inference.engine import LocalEngine
from inference.errors import InputInvalid

MAX_INPUT_CHARS = 2_000_000  # ~2 MB of text; beyond this a desktop tool should ask for a smaller file


def check_text(text: str) -> str:
    """Reject input no task can use: empty, binary-looking, or absurdly large. Returns the text stripped."""
    if not isinstance(text, str):
        raise InputInvalid("The input must be text.")
    stripped = text.strip()
    if not stripped:
        raise InputInvalid("The input is empty: give some text to work on.")
    if len(stripped) > MAX_INPUT_CHARS:
        raise InputInvalid(
            f"The input is {len(stripped):,} characters; the limit is {MAX_INPUT_CHARS:,}.",
            hint="Split the document and run the parts separately.",
        )
    if "\x00" in stripped or _control_ratio(stripped[:20_000]) > 0.05:
        raise InputInvalid("The input looks like binary data, not text.", hint="Open a plain-text file.")
    return stripped


def _control_ratio(sample: str) -> float:
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    return bad / max(1, len(sample))


def fit_tokens(engine: LocalEngine, text: str, budget: int) -> tuple[str, float]:
    """Cut ``text`` to at most ``budget`` tokens (keeping the start); returns text and fraction kept."""
    tokens = engine.tokenize(text, special=False)
    if len(tokens) <= budget:
        return text, 1.0
    kept = engine.detokenize(tokens[: max(1, budget)])
    return kept, len(kept) / max(1, len(text))


def escape_special(engine: LocalEngine, text: str) -> str:
    """Stop user text from smuggling in the template's control tokens (e.g. ``<|im_end|>``)."""
    for marker in ("<|", "|>"):
        text = text.replace(marker, marker[0] + "\u200b" + marker[1])
    return text


class Timer:
    def __init__(self) -> None:
        self.ms = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.ms = (time.perf_counter() - start) * 1000
