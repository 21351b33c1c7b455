"""The shapes people ask a summary in: a paragraph of at most N words, a one-line TLDR, N bullets.

One place says what each shape asks of a model (``instruction``, used by the local prompt and by the
frontier prompt) and holds an answer to that shape (``shape_summary``): a TLDR is one sentence, bullets are
"- " lines, and every shape keeps to its word budget. A cut never ends on "…": it ends at a sentence end,
else at a clause boundary, else after the last whole word, closed with a full stop.
"""

from __future__ import annotations

import re

from inference.errors import InputInvalid
from inference.tasks.base import SUMMARY_SHAPES, SummarizeSpec

MAX_BULLETS = 12
# a sentence ends at . ! ? (closing quotes or brackets may follow) and white space, not after "e.g." & co.
_SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bcf\.)(?<!\bFig\.)"
                           r"(?<=[.!?])[\"')\]]*\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u2014]|\d{1,2}[.)])\s+")
_CLAUSE = re.compile(r"[,;:\u2014\u2013]|\s-\s")
_TRAILING = frozenset((
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "that",
    "which", "who", "whose", "is", "are", "was", "were", "be", "its", "their", "this", "these", "those", "than",
    "then", "so", "if", "while", "whereas",
))


def check_spec(spec: SummarizeSpec) -> None:
    if spec.shape not in SUMMARY_SHAPES:
        raise InputInvalid(f"Unknown summary shape '{spec.shape}'.", hint=f"Use one of: {', '.join(SUMMARY_SHAPES)}.")
    if spec.max_words < 1:
        raise InputInvalid("The summary length must be at least one word.")
    if spec.shape == "bullets" and not 1 <= spec.bullets <= MAX_BULLETS:
        raise InputInvalid(f"Ask for between 1 and {MAX_BULLETS} bullets (got {spec.bullets}).")


def instruction(spec: SummarizeSpec, max_words: int | None = None) -> str:
    """What the shape asks for, in one or two sentences (``max_words`` overrides the spec's budget)."""
    words = spec.max_words if max_words is None else max_words
    if spec.shape == "tldr":
        return (f"Write a one-sentence TLDR of it, at most {words} words: state its main point directly, in "
                "the text's own key terms.")
    if spec.shape == "bullets":
        count = "one bullet point" if spec.bullets == 1 else f"{spec.bullets} bullet points"
        return (f"Summarize it in {count}, each on its own line starting with \"- \", at most {words} words "
                "in all, the most important point first.")
    return f"Summarize it in at most {words} words."


def shape_summary(text: str, spec: SummarizeSpec, max_words: int | None = None) -> tuple[str, bool]:
    """The answer in the asked shape and word budget; the flag says whether anything was cut."""
    words = spec.max_words if max_words is None else max_words
    text = text.strip()
    if spec.shape == "bullets":
        return _bullets(text, spec.bullets, words)
    if spec.shape == "tldr":
        sentences = split_sentences(" ".join(text.split()))
        first = sentences[0] if sentences else ""
        summary, cut = limit_words(first, words)
        return summary, cut or len(sentences) > 1
    return limit_words(" ".join(text.split()), words)


def first_sentence_done(text: str) -> bool:
    """True once ``text`` holds a whole first sentence and the start of what follows it."""
    return _SENTENCE_END.search(text.lstrip()) is not None


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def limit_words(text: str, max_words: int) -> tuple[str, bool]:
    """Cut ``text`` to ``max_words`` words: at a sentence end when one is in the second half, else at a
    clause boundary there, else after the last whole word (trailing function words dropped), ending with
    a full stop. Never "…"."""
    words = text.split()
    if len(words) <= max_words:
        return text, False
    clipped = " ".join(words[:max_words])
    ends = [m.start() for m in re.finditer(r"[.!?](?=[\"')\]]*(\s|$))", clipped)]
    if ends and ends[-1] >= len(clipped) * 0.5:
        return clipped[: ends[-1] + 1], True
    clauses = [m.start() for m in _CLAUSE.finditer(clipped)]
    if clauses and clauses[-1] >= len(clipped) * 0.5:
        clipped = clipped[: clauses[-1]]
    kept = clipped.split()
    while len(kept) > 1 and kept[-1].casefold().strip(",;:") in _TRAILING:
        kept.pop()
    return " ".join(kept).rstrip(",;:-\u2013\u2014 ") + ".", True


def _bullets(text: str, count: int, max_words: int) -> tuple[str, bool]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    items = [_BULLET.sub("", line).strip() for line in lines if _BULLET.match(line)]
    if not items:  # the model wrote prose: one sentence per bullet
        items = split_sentences(" ".join(text.split()))
    cut = len(items) > count
    items = [" ".join(item.split()) for item in items[:count] if item.strip()]
    out: list[str] = []
    left = max_words
    for item in items:
        if left <= 0:
            cut = True
            break
        piece, clipped = limit_words(item, left)
        cut = cut or clipped
        out.append(piece)
        left -= len(piece.split())
    return "\n".join(f"- {item}" for item in out), cut
