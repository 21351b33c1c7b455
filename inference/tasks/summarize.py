"""Summarization: bounded greedy generation; long inputs are summarized in chunks, then merged.

Confidence: ``inference.summary_confidence.score_summary`` (coverage of the source's salient content,
support of each sentence, invented facts, copying, compression, repetition and the model's token
probabilities, combined by a fit against ROUGE-L on held-out data).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from inference.engine import CancelToken, Generation, LocalEngine
from inference.prompting import Message
from inference.summary_confidence import score_summary
from inference.summary_shape import check_spec, first_sentence_done, instruction, shape_summary
from inference.tasks.base import SummarizeSpec, TaskResult, Usage
from inference.tasks.common import check_text, escape_special, timed

TOKENS_PER_WORD = 1.8
MIN_WORDS = 5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def build_messages(text: str, spec: SummarizeSpec, max_words: int | None = None) -> list[Message]:
    system = (
        f"The user sends a text. {instruction(spec, max_words)} Keep names, numbers and facts exactly as "
        "they are in the text. Do not add anything that is not in the text. Write only the summary."
    )
    return [Message("system", system), Message("user", text)]


def target_words(spec: SummarizeSpec, source: str) -> int:
    """The word budget: the user's, but never more than ~60% of the source (a summary is shorter)."""
    words = len(source.split())
    return max(MIN_WORDS, min(spec.max_words, int(words * 0.6)))


def summarize(
    engine: LocalEngine, text: str, spec: SummarizeSpec, cancel: CancelToken | None = None
) -> TaskResult:
    check_spec(spec)
    source = escape_special(engine, check_text(text))
    max_words = target_words(spec, source)
    with timed() as timer:
        gen, rounds, prompt_tokens = _summarize(engine, source, spec, max_words, cancel)
        summary, cut = shape_summary(gen.text, spec, max_words)
        confidence, signals = score_summary(engine, source, summary, spec, max_words, cancel)
    return TaskResult(
        task="summarize",
        output=summary,
        confidence=confidence,
        signals={**signals, "chunk_rounds": float(rounds), "cut_to_limit": float(cut)},
        usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(gen.tokens)),
        latency_ms=timer.ms,
        model=engine.model_name,
        method="generation",
    )


def max_new_tokens(spec: SummarizeSpec, max_words: int) -> int:
    """Room for the words plus the bullets' markers and line breaks."""
    extra = 3 * spec.bullets if spec.shape == "bullets" else 0
    return int(max_words * TOKENS_PER_WORD) + 8 + extra


def _summarize(
    engine: LocalEngine, source: str, spec: SummarizeSpec, max_words: int, cancel: CancelToken | None
) -> tuple[Generation, int, int]:
    """Summarize, splitting into chunks that fit the context and merging their summaries, as needed.
    Chunks are summarized as paragraphs; the final round asks for the requested shape."""
    max_tokens = max_new_tokens(spec, max_words)
    head = len(engine.tokenize(engine.prompter.render(build_messages("", spec, max_words))))
    budget = engine.n_ctx - head - max_tokens - 8
    rounds, prompt_tokens, text = 0, 0, source
    while True:
        rounds += 1
        chunks = split_to_fit(engine, text, budget)
        shape = spec if len(chunks) == 1 else SummarizeSpec(max_words=spec.max_words)
        gens = []
        for done, chunk in enumerate(chunks, start=1):
            prompt = engine.tokenize(engine.prompter.render(build_messages(chunk, shape, max_words)))
            prompt_tokens += len(prompt)
            gens.append(engine.generate(prompt, max_tokens, cancel=cancel, stop=stop_rule(shape)))
            if cancel is not None and len(chunks) > 1:
                cancel.progress(done, len(chunks))  # a chunked summary takes tens of seconds: say how far
        if len(gens) == 1:
            return gens[0], rounds, prompt_tokens
        text = "\n".join(g.text.strip() for g in gens)


def stop_rule(spec: SummarizeSpec) -> Callable[[str], bool] | None:
    """A TLDR is one sentence: generation stops once the first sentence has ended."""
    if spec.shape != "tldr":
        return None
    return first_sentence_done


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
                units += cut_by_tokens(engine, tokens, budget)
    return units


def cut_by_tokens(engine: LocalEngine, tokens: list[int], budget: int) -> list[str]:
    """Pieces of at most ``budget`` tokens, each whole characters: a character whose bytes are split
    between two pieces' tokens (an emoji, CJK) goes whole to the later piece, never as U+FFFD to both."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # keeps a split character's bytes
    pieces = [decoder.decode(engine.detokenize_bytes(tokens[i : i + budget])) for i in range(0, len(tokens), budget)]
    pieces[-1] += decoder.decode(b"", final=True)
    return [piece for piece in pieces if piece]

