"""Summarization: bounded greedy generation; long inputs are summarized in chunks, then merged.

Confidence combines the length-normalized token probability (how sure the model was of its words) with
grounding (the share of the summary's content words found in the source): their geometric mean.
"""

from __future__ import annotations

import math
import re

from inference.engine import CancelToken, Generation, LocalEngine
from inference.grounding import support_ratio
from inference.prompting import Message
from inference.tasks.base import SummarizeSpec, TaskResult, Usage
from inference.tasks.common import check_text, escape_special, timed

TOKENS_PER_WORD = 1.8
MIN_WORDS = 5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def build_messages(text: str, max_words: int) -> list[Message]:
    system = (
        f"Summarize the user's text in at most {max_words} words. Keep names, numbers and facts exactly "
        "as they are in the text. Do not add anything that is not in the text. Write only the summary."
    )
    return [Message("system", system), Message("user", text)]


def target_words(spec: SummarizeSpec, source: str) -> int:
    """The word budget: the user's, but never more than ~60% of the source (a summary is shorter)."""
    words = len(source.split())
    return max(MIN_WORDS, min(spec.max_words, int(words * 0.6)))


def summarize(
    engine: LocalEngine, text: str, spec: SummarizeSpec, cancel: CancelToken | None = None
) -> TaskResult:
    source = escape_special(engine, check_text(text))
    max_words = target_words(spec, source)
    with timed() as timer:
        gen, rounds, prompt_tokens = _summarize(engine, source, max_words, cancel)
    summary, cut = limit_words(gen.text.strip(), max_words)
    fluency = math.exp(sum(gen.logprobs) / len(gen.logprobs)) if gen.logprobs else 0.0
    grounding = support_ratio(summary, source)
    novelty = distinct_trigram_ratio(summary)  # greedy decoding can loop; a loop is not a good summary
    return TaskResult(
        task="summarize",
        output=summary,
        confidence=math.sqrt(fluency * grounding) * novelty,
        signals={"mean_token_probability": fluency, "grounding": grounding, "novelty": novelty,
                 "chunk_rounds": float(rounds),
                 "words": float(len(summary.split())), "cut_to_limit": float(cut)},
        usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(gen.tokens)),
        latency_ms=timer.ms,
        model=engine.model_name,
        method="generation",
    )


def _summarize(
    engine: LocalEngine, source: str, max_words: int, cancel: CancelToken | None
) -> tuple[Generation, int, int]:
    """Summarize, splitting into chunks that fit the context and merging their summaries, as needed."""
    max_tokens = int(max_words * TOKENS_PER_WORD) + 8
    head = len(engine.tokenize(engine.prompter.render(build_messages("", max_words))))
    budget = engine.n_ctx - head - max_tokens - 8
    rounds, prompt_tokens, text = 0, 0, source
    while True:
        rounds += 1
        chunks = split_to_fit(engine, text, budget)
        gens = []
        for chunk in chunks:
            prompt = engine.tokenize(engine.prompter.render(build_messages(chunk, max_words)))
            prompt_tokens += len(prompt)
            gens.append(engine.generate(prompt, max_tokens, cancel=cancel))
        if len(gens) == 1:
            return gens[0], rounds, prompt_tokens
        text = "\n".join(g.text.strip() for g in gens)


def split_to_fit(engine: LocalEngine, text: str, budget: int) -> list[str]:
    """Split at paragraph, then sentence, then token boundaries into pieces of at most ``budget`` tokens."""
    if len(engine.tokenize(text, special=False)) <= budget:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(engine, text, budget):
        candidate = f"{current}\n{unit}" if current else unit
        if current and len(engine.tokenize(candidate, special=False)) > budget:
            pieces.append(current)
            current = unit
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _units(engine: LocalEngine, text: str, budget: int) -> list[str]:
    units: list[str] = []
    for para in (p for p in re.split(r"\n\s*\n", text) if p.strip()):
        for sentence in _SENTENCE_END.split(para):
            tokens = engine.tokenize(sentence, special=False)
            if len(tokens) <= budget:
                units.append(sentence)
            else:  # one enormous "sentence": cut it by tokens
                units += [engine.detokenize(tokens[i : i + budget]) for i in range(0, len(tokens), budget)]
    return units


def distinct_trigram_ratio(text: str) -> float:
    words = text.casefold().split()
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return len(set(grams)) / len(grams) if grams else 1.0


def limit_words(summary: str, max_words: int) -> tuple[str, bool]:
    """Cut a summary to ``max_words`` words, at a sentence end when one is near enough."""
    words = summary.split()
    if len(words) <= max_words:
        return summary, False
    clipped = " ".join(words[:max_words])
    last = max(clipped.rfind(". "), clipped.rfind("! "), clipped.rfind("? "), clipped.rfind("."))
    if last > len(clipped) * 0.5:
        return clipped[: last + 1], True
    return clipped.rstrip(",;:") + "…", True
