"""Signals that separate good summaries from copies and drifts, for any (source, summary) pair.

Text signals (no model): how much of the source's salient content the summary covers, how well each
summary sentence is supported by the source, facts (numbers, names) the source does not contain,
compression, copying (extractive fragment density, Grusky et al. 2018) and repetition.
Model signals: the local model's token log-probabilities of the summary given the source (teacher
forcing, as it would have been generated) and given no source; their difference says how much the
source explains the summary (pointwise mutual information).

``inference.summary_confidence`` combines them into one confidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from inference.grounding import STOPWORDS, _numbers, content_words, normalize
from inference.summary_shape import split_sentences

if TYPE_CHECKING:
    from inference.engine import LocalEngine
    from inference.tasks.base import SummarizeSpec

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)\b")
_DIGIT = re.compile(r"\d")
# Counts written as words ("three customers"); "one" is left out: it is as often a pronoun as a number.
_NUMBER_WORDS = {w: float(i) for i, w in enumerate(
    ["zero", "_", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]) if w != "_"}
_NUMBER_WORDS.update({"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "seventy": 70.0,
                      "eighty": 80.0, "ninety": 90.0, "hundred": 100.0, "thousand": 1000.0})


def text_signals(source: str, summary: str) -> dict[str, float]:
    src_words = _words(source)
    sum_words = _words(summary)
    n_sum = max(1, len(sum_words))
    src_stems = content_words(source)
    sum_stems = set(content_words(summary))
    sentences = summary_units(summary)
    support = [_support(s, set(src_stems)) for s in sentences]
    return {
        "words": float(len(sum_words)),
        "compression": len(sum_words) / max(1, len(src_words)),
        "coverage": _coverage(src_stems, sum_stems),
        "support_min": min(support),
        "support_mean": sum(support) / len(support),
        "unsupported_facts": float(len(unsupported_facts(source, summary))),
        "density": _density(src_words, sum_words) / n_sum,
        "longest_copy": _longest_fragment(src_words, sum_words) / n_sum,
        "spread": _spread(source, sum_stems),
        "novelty": _distinct_trigrams(sum_words),
    }


def model_signals(engine: LocalEngine, source: str, summary: str, spec: SummarizeSpec,
                  max_words: int | None = None) -> dict[str, float]:
    """Token log-probabilities of ``summary`` under the summarize prompt with and without the source."""
    from inference.tasks.common import fit_tokens
    from inference.tasks.summarize import build_messages

    tokens = engine.tokenize(summary.strip(), special=False)
    if not tokens:
        return {"mean_logprob": -10.0, "min_logprob": -10.0, "pmi": 0.0}
    head = len(engine.tokenize(engine.prompter.render(build_messages("", spec, max_words))))
    budget = engine.n_ctx - head - len(tokens) - 8
    text, _ = fit_tokens(engine, source, max(16, budget))
    with_source = engine.tokenize(engine.prompter.render(build_messages(text, spec, max_words)))
    without = engine.tokenize(engine.prompter.render(build_messages("(no text)", spec, max_words)))
    cond = engine.token_logprobs(with_source, tokens)
    bare = engine.token_logprobs(without, tokens)
    mean = sum(cond) / len(cond)
    return {"mean_logprob": mean, "min_logprob": min(cond), "pmi": mean - sum(bare) / len(bare)}


def summary_units(summary: str) -> list[str]:
    """The summary's sentences; each bullet of a bulleted summary counts as one."""
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    if len(lines) > 1 and all(line.startswith(("- ", "* ", "\u2022")) for line in lines):
        return [line.lstrip("-*\u2022 ").strip() for line in lines]
    return split_sentences(" ".join(summary.split())) or [summary]


def unsupported_facts(source: str, summary: str) -> list[str]:
    """Numbers and names in the summary that the source does not contain (an invented fact)."""
    missing = []
    src_words = set(_words(source))
    src_numbers = _numbers(source) | {_NUMBER_WORDS[w] for w in src_words if w in _NUMBER_WORDS}
    for match in re.finditer(r"\d[\d.,]*\d|\d", summary):
        if not (_numbers(match.group()) & src_numbers or _written_in(source, match.group())):
            missing.append(match.group())
    for word in _words(summary):
        if word in _NUMBER_WORDS and _NUMBER_WORDS[word] not in src_numbers:
            missing.append(word)
    src_norm = normalize(source)
    for sentence in summary_units(summary):
        for match in _NAME.finditer(sentence):
            name = match.group(1)
            if match.start(1) == 0 or _DIGIT.search(name):
                continue  # a sentence's first word is capitalised anyway; numbers are checked above
            parts = [p for p in _words(name) if p not in STOPWORDS]
            if parts and not (normalize(name) in src_norm or all(_known(p, src_words) for p in parts)):
                missing.append(name)
    return missing


def _written_in(source: str, digits: str) -> bool:
    """The source writes these digits as they stand, with no digit on either side: the parts of "7-2",
    "COVID-19", "2024-05-01" or "14:30" are copied, not invented, although they are no numbers of their
    own for extraction (``grounding.NUMBER``)."""
    return re.search(rf"(?<!\d){re.escape(digits)}(?!\d)", source) is not None


def _known(word: str, src_words: set[str]) -> bool:
    """The source has this word, or the word is a plural or possessive of one it has ("DenseNets",
    "Priya's" for "DenseNet", "Priya"): another form of a known name is not an invented fact."""
    endings = ("'s", "s'", "es", "s")
    return word in src_words or any(word.endswith(e) and word[: -len(e)] in src_words for e in endings)


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def _support(sentence: str, vocab: set[str]) -> float:
    words = content_words(sentence)
    return sum(1 for w in words if w in vocab) / len(words) if words else 1.0


def _coverage(src_stems: list[str], sum_stems: set[str]) -> float:
    """Share of the source's salient content (its repeated content words, weighted by how often they
    occur) that the summary mentions."""
    counts = Counter(src_stems)
    salient = {w: c for w, c in counts.items() if c >= 2} or dict(counts)
    total = sum(salient.values())
    return sum(c for w, c in salient.items() if w in sum_stems) / total if total else 0.0


def _spread(source: str, sum_stems: set[str]) -> float:
    """Share of the source's sentences that share at least two content words with the summary."""
    sentences = split_sentences(" ".join(source.split())) or [source]
    hits = sum(1 for s in sentences if len(set(content_words(s)) & sum_stems) >= 2)
    return hits / len(sentences)


def _fragments(src: list[str], summary: list[str]) -> list[int]:
    """Greedy extractive fragments: at each summary position the longest run also found in the source."""
    positions: dict[str, list[int]] = {}
    for i, w in enumerate(src):
        positions.setdefault(w, []).append(i)
    out, i = [], 0
    while i < len(summary):
        best = 0
        for j in positions.get(summary[i], ()):
            k = 0
            while i + k < len(summary) and j + k < len(src) and summary[i + k] == src[j + k]:
                k += 1
            best = max(best, k)
        if best:
            out.append(best)
            i += best
        else:
            i += 1
    return out


def _density(src: list[str], summary: list[str]) -> float:
    return float(sum(f * f for f in _fragments(src, summary)))


def _longest_fragment(src: list[str], summary: list[str]) -> float:
    return float(max(_fragments(src, summary), default=0))


def _distinct_trigrams(words: list[str]) -> float:
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return len(set(grams)) / len(grams) if grams else 1.0


def log_odds(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
