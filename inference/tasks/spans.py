"""Spans of the input an extracted value can be copied from.

- ``words``: whitespace-separated chunks with the punctuation around them peeled off ("today?" → "today",
  "(Acme)" → "Acme"); an abbreviation keeps its final dot ("a.m.").
- ``candidate_starts``: for each word, the text of up to ``max_words`` words from it in the same sentence; every
  prefix that ends at a word end is a candidate value, so one path scores all of them (see ``span_scoring``).
- ``snap``: widens a span cut inside a word to whole words (a tagger's token-level span → a value).
"""

from __future__ import annotations

from dataclasses import dataclass

PEEL = ".,;:!?()[]{}<>\"'“”‘’«»…"
JOINERS = ".,:'’-/"  # inside a word between letters or digits: 9:45, 1,035.18, O'Brien, e-mail, 9/3/2019
BREAKS = "\n.!?;:()[]{}\"“”«»|"  # a value does not run across these (commas it may: "Jan 3rd, 2024")
MAX_WORDS = 4  # 98.7% of the values in the NLU++ banking training side have at most 4 words


@dataclass(frozen=True)
class Word:
    start: int
    end: int


@dataclass(frozen=True)
class Start:
    """Words ``first`` .. ``first + len(ends) - 1`` on one line; ``ends[k]`` ends the candidate of k+1 words."""

    start: int
    ends: tuple[int, ...]


def _is_abbreviation(chunk: str) -> bool:
    """'a.m.', 'U.S.', 'e.g.': letters separated by dots, ending with one."""
    parts = chunk.split(".")
    return len(parts) >= 3 and parts[-1] == "" and all(p.isalpha() and len(p) <= 3 for p in parts[:-1])


def words(text: str) -> list[Word]:
    out: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        start, end = i, j
        while start < end and text[start] in PEEL:
            start += 1
        if not _is_abbreviation(text[start:end]):
            while end > start and text[end - 1] in PEEL:
                end -= 1
        if start < end:
            out.append(Word(start, end))
        i = j
    return out


def candidate_starts(text: str, max_words: int = MAX_WORDS, limit: int | None = None) -> list[Start]:
    """Every word starts a path of up to ``max_words`` words that stays in its sentence (at most ``limit``)."""
    found = words(text)
    starts: list[Start] = []
    for i, word in enumerate(found):
        ends = [word.end]
        for nxt in found[i + 1 : i + max_words]:
            if any(ch in BREAKS for ch in text[ends[-1] : nxt.start]):
                break
            ends.append(nxt.end)
        starts.append(Start(word.start, tuple(ends)))
        if limit is not None and len(starts) >= limit:
            break
    return starts


def _joined(text: str, i: int) -> bool:
    """Is ``text[i]`` a joiner between two letters or digits?"""
    return 0 < i < len(text) - 1 and text[i] in JOINERS and text[i - 1].isalnum() and text[i + 1].isalnum()


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace, then widen ``[start, end)`` to whole words (never inside a word or number)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return start, end
    while start > 0 and (_joined(text, start - 1)
                         or text[start - 1].isalnum() and (text[start].isalnum() or _joined(text, start))):
        start -= 1
    while end < len(text) and (_joined(text, end)
                               or text[end].isalnum() and (text[end - 1].isalnum() or _joined(text, end - 1))):
        end += 1
    return start, end
