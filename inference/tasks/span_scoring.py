"""The local model scores spans of the input as answers: "scoring null against the best span".

For a text and one question per field, every candidate span (``spans.candidate_starts``: up to five words
from each word, within a sentence) is scored as a complete answer after "Answer:": the log-probability of
its tokens plus that of the answer ending right there (end of turn or a new line). All prefixes of a path
are read from one decode (``LocalEngine.score_paths``), and the paths of a question share its prompt's KV
cache, so a field costs about one pass over the candidate words.

The same spans are also scored under a neutral question ("Which words of the text?"). The difference,
log P(span | field question) - log P(span | neutral question), is the pointwise mutual information of
span and field: how much asking for *this* field raises the span, beyond the span being a likely answer to
anything (the way ``classify`` divides out a label's content-free prior). Measured on NLU++ banking (dev
part of the training side): the raw log-probability of the best span separates present from absent
values with AUROC 0.73, the PMI with 0.85.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.engine import CancelToken, LocalEngine
from inference.grounding import number_spans
from inference.prompting import Message
from inference.tasks.common import escape_special
from inference.tasks.spans import MAX_WORDS, Start, candidate_starts

SYSTEM = "Answer with words copied exactly from the text."
NEUTRAL = "Which words of the text?"
MAX_STARTS = 160  # words that start candidates; beyond this a long text keeps its first ones
# Paths (a start word and its up to MAX_WORDS-word spans) scored per untyped field's question, at most: a
# longer text's paths are ranked by a pre-score read from the one distribution the question's prompt gives
# anyway (the first token's log-probability as the answer plus its PMI over the neutral question), and only
# the best are decoded. A message of up to MAX_PATHS words is scored whole, as before.
MAX_PATHS = 48
SCORING = f"capped-{MAX_PATHS}"  # names what is scored (bench caches are kept per scoring version)
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass
class SpanScores:
    """One text's candidate spans and their scores: ``neutral[i]`` and ``by_question[q][i]`` are the
    log-probabilities of ``spans[i]`` as the whole answer."""

    spans: list[tuple[int, int]]
    neutral: FloatArray
    by_question: dict[str, FloatArray] = field(default_factory=dict)

    def pmi(self, question: str) -> FloatArray:
        scored = self.by_question[question]
        with np.errstate(invalid="ignore"):  # a span this question did not score stays -inf (not -inf - -inf)
            result: FloatArray = np.where(np.isfinite(scored), scored - self.neutral, -math.inf)
        return result

    def to_json(self) -> dict[str, Any]:
        def floats(a: FloatArray) -> list[float | None]:
            return [float(v) if math.isfinite(v) else None for v in a]

        return {"spans": [list(s) for s in self.spans], "neutral": floats(self.neutral),
                "by_question": {q: floats(v) for q, v in self.by_question.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpanScores:
        def array(values: list[float | None]) -> FloatArray:
            return np.array([-math.inf if v is None else v for v in values], dtype=np.float64)

        return cls([(int(a), int(b)) for a, b in data["spans"]], array(data["neutral"]),
                   {q: array(v) for q, v in data["by_question"].items()})


def question_text(question: str) -> str:
    return f"What is {question} in the text?"


def prompt_for(engine: LocalEngine, text: str, question: str) -> list[int]:
    user = f"Text: {escape_special(engine, text)}\n\nQuestion: {question}"
    rendered = engine.prompter.render([Message("system", SYSTEM), Message("user", user)])
    return engine.tokenize(rendered + "Answer:")


def _end_tokens(engine: LocalEngine) -> list[int]:
    newline = engine.tokenize("\n", special=False)
    return sorted({engine.end_of_turn, *newline[:1]})


@dataclass(frozen=True)
class _Path:
    tokens: list[int]
    ends: list[tuple[int, int]]  # (candidate index, index of the token that ends it)


def _paths(engine: LocalEngine, text: str, starts: Sequence[Start]) -> tuple[list[tuple[int, int]], list[_Path]]:
    spans: list[tuple[int, int]] = []
    index: dict[tuple[int, int], int] = {}
    paths: list[_Path] = []
    for start in starts:
        raw = " " + escape_special(engine, text[start.start : start.ends[-1]])
        tokens = engine.tokenize(raw, special=False)
        if not tokens:
            continue
        cuts = _token_ends(engine, tokens)
        ends: list[tuple[int, int]] = []
        for end in start.ends:
            length = len(" " + escape_special(engine, text[start.start : end]))
            if length in cuts:
                span = (start.start, end)
                if span not in index:
                    index[span] = len(spans)
                    spans.append(span)
                ends.append((index[span], cuts[length]))
        if ends:
            paths.append(_Path(tokens[: max(t for _, t in ends) + 1], ends))
    return spans, paths


def _token_ends(engine: LocalEngine, tokens: list[int]) -> dict[int, int]:
    """Character length of the decoded text after each token → that token's index."""
    out: dict[int, int] = {}
    raw = b""
    for i, token in enumerate(tokens):
        raw += engine.token_piece(token)
        out[len(raw.decode("utf-8", errors="ignore"))] = i
    return out


def _number_starts(text: str, starts: list[Start]) -> list[Start]:
    """Numbers written in the text that are not already a candidate (e.g. "52.36" of "$52.36")."""
    known = {(s.start, e) for s in starts for e in s.ends}
    return [Start(a, (b,)) for a, b, _ in number_spans(text) if (a, b) not in known]


def _extra_starts(starts: list[Start], extra: Sequence[tuple[int, int]]) -> list[Start]:
    known = {(s.start, e) for s in starts for e in s.ends}
    return [Start(a, (b,)) for a, b in dict.fromkeys(extra) if (a, b) not in known and b > a]


def score_spans(
    engine: LocalEngine, text: str, questions: Sequence[str], cancel: CancelToken | None = None,
    extra: Sequence[tuple[int, int]] = (), only: Mapping[str, Collection[tuple[int, int]]] | None = None,
    cap: int = MAX_PATHS,
) -> SpanScores:
    """Score the candidate spans of ``text`` under the neutral question and each of ``questions``;
    ``extra``: spans a field's type proposes (``typed_candidates``), scored too when not already there;
    ``only``: for a question, the spans it may answer with (a typed field's candidates): only the paths
    holding one are scored under it. At most ``cap`` paths per question (see ``MAX_PATHS``); a span a
    question does not score is -inf under it, and the neutral question scores every path some question does.
    The cap is for the questions without ``only``: a typed field's candidates are all scored (numbers
    begin with a digit token alike, so a first-token pre-score could not tell them apart)."""
    starts = candidate_starts(text, MAX_WORDS, MAX_STARTS)
    starts += _number_starts(text, starts)
    spans, paths = _paths(engine, text, starts + _extra_starts(starts, extra))
    watch = _end_tokens(engine)
    neutral_prompt = prompt_for(engine, text, NEUTRAL)
    prompts = {q: prompt_for(engine, text, question_text(q)) for q in dict.fromkeys(questions)}
    only = only or {}
    chosen = {q: _allowed(paths, spans, only.get(q)) for q in prompts}
    if any(len(c) > cap and q not in only for q, c in chosen.items()):
        neutral_first = engine.next_logprobs(neutral_prompt)
        for q, allowed in chosen.items():
            if len(allowed) > cap and q not in only:  # a parser's candidates are few, and share first tokens
                first = engine.next_logprobs(prompts[q])
                pre = [2 * float(first[paths[i].tokens[0]]) - float(neutral_first[paths[i].tokens[0]]) for i in allowed]
                best = sorted(range(len(allowed)), key=lambda k: -pre[k])[:cap]
                chosen[q] = sorted(allowed[k] for k in best)
    scored = sorted(set().union(*chosen.values())) if chosen else []
    result = SpanScores(spans, _score(engine, neutral_prompt, [paths[i] for i in scored], len(spans), watch, cancel))
    for question, prompt in prompts.items():
        result.by_question[question] = _score(engine, prompt, [paths[i] for i in chosen[question]], len(spans), watch,
                                              cancel)
    return result


def _allowed(paths: list[_Path], spans: list[tuple[int, int]], only: Collection[tuple[int, int]] | None) -> list[int]:
    """The paths a question scores: every one, or those holding a span it may answer with."""
    if only is None:
        return list(range(len(paths)))
    wanted = set(only)
    return [i for i, path in enumerate(paths) if any(spans[s] in wanted for s, _ in path.ends)]


def _score(engine: LocalEngine, prompt: list[int], paths: list[_Path], n: int, watch: list[int],
           cancel: CancelToken | None) -> FloatArray:
    scores = np.full(n, -math.inf)
    if not paths:
        return scores
    for path, got in zip(paths, engine.score_paths(prompt, [p.tokens for p in paths], watch, cancel), strict=True):
        cumulative = np.cumsum(got.tokens.astype(np.float64))
        for span, last in path.ends:
            scores[span] = cumulative[last] + float(np.logaddexp.reduce(got.watch[last].astype(np.float64)))
    return scores


def score_options(
    engine: LocalEngine, text: str, question: str, options: Sequence[str], cancel: CancelToken | None = None,
) -> FloatArray:
    """Log-probability of each option as the whole answer to ``question`` about ``text``."""
    listed = ", ".join(options)
    prompt = prompt_for(engine, text, f"{question_text(question)} Answer with one of: {listed}.")
    watch = _end_tokens(engine)
    paths = [engine.tokenize(" " + escape_special(engine, o), special=False) for o in options]
    got = engine.score_paths(prompt, paths, watch, cancel)
    return np.array([float(g.tokens.sum()) + float(np.logaddexp.reduce(g.watch[-1])) for g in got])
