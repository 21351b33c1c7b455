"""Text as the detectors see it: Unicode evasions undone, with a map back to the original offsets.

Before detection the text is normalised so that tricks that keep personal data readable to a person
but invisible to a pattern do not work:

- zero-width characters (U+200B-U+200D, U+2060, U+FEFF, soft hyphen U+00AD) and bidirectional
  controls (U+200E/F, U+202A-U+202E, U+2066-U+2069, U+061C) are removed;
- every character cluster (a base character and its combining marks) is put in NFKC form: full-width
  digits and letters become ASCII (``４１１１`` -> ``4111``), no-break and other exotic spaces become
  a plain space, ligatures and compatibility forms are unfolded.

Detection runs on ``Normalized.text``; ``Normalized.span(start, end)`` turns a region of it back into the
region of the *original* text, so the placeholder replaces the original characters (invisible ones
included) and restore gives the user's text back byte for byte.

``mark_invisible(text)`` shows the invisible characters of a text, one visible mark for each (for the
consent dialog).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing (or only change direction) and so can hide inside a value.
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
    "\u3164\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
    "\ufeff\uffa0"
)
# Spaces NFKC leaves alone but that a pattern should treat as a plain space.
_SPACES = {"\u2028": "\n", "\u2029": "\n", "\u0085": "\n", "\u180e": " "}


_HIDDEN = re.compile("[" + "".join(sorted(INVISIBLE)) + "".join(_SPACES) + "]")


def _is_nfkc(text: str) -> bool:
    try:
        return unicodedata.is_normalized("NFKC", text)
    except (ValueError, UnicodeError):
        return False


@dataclass(frozen=True)
class Normalized:
    text: str  # what the detectors see
    starts: tuple[int, ...]  # starts[i]: original offset where normalised character i comes from
    ends: tuple[int, ...]  # ends[i]: original offset just after the cluster of character i
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original region behind ``self.text[start:end]`` (``start < end``)."""
        if start >= end:
            raise ValueError("empty region")
        return self.starts[start], self.ends[end - 1]


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each base character with the combining marks that follow it."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            bounds.append((start, i))
            start = i
    return bounds


def _fold(cluster: str) -> str:
    kept = "".join(ch for ch in cluster if ch not in INVISIBLE)
    if not kept:
        return ""
    if kept.isascii():
        return kept
    try:
        folded = unicodedata.normalize("NFKC", kept)
    except (ValueError, UnicodeError):  # lone surrogates: leave them alone
        return kept
    return "".join(_SPACES.get(ch, " " if ch.isspace() and ch not in "\n\r\t" else ch) for ch in folded)


def normalize(text: str) -> Normalized:
    """``text`` with invisible characters removed and NFKC applied, plus the offset map back."""
    if text.isascii() or (_HIDDEN.search(text) is None and _is_nfkc(text)):
        n = len(text)
        return Normalized(text, tuple(range(n)), tuple(range(1, n + 1)), n)
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for a, b in _clusters(text):
        folded = _fold(text[a:b])
        parts.append(folded)
        starts.extend([a] * len(folded))
        ends.extend([b] * len(folded))
    return Normalized("".join(parts), tuple(starts), tuple(ends), len(text))


INVISIBLE_MARK = "◇"  # stands for an invisible character in the consent dialog
SPACE_MARK = "⍽"  # stands for a no-break or other unusual space


def mark_invisible(text: str) -> str:
    """``text`` with every invisible character shown as ``◇`` and every unusual space as ``⍽``, one
    character for one (same length, so offsets and selections stay valid). For display only."""
    if text.isascii():
        return text
    return "".join(
        INVISIBLE_MARK if ch in INVISIBLE else SPACE_MARK if ch != " " and ch.isspace() and ch not in "\n\r\t" else ch
        for ch in text
    )
