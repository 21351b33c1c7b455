"""Confidence from a server's token log-probabilities, computed as on the device.

An OpenAI-compatible server returns, per generated token, its log-probability and the ``top_logprobs``
alternatives. From those:

- **classify**: every label's probability as a continuation of the prompt, as the device's label scoring
  does, but read off the generated path: at each position, the alternatives that spell the start of
  exactly one label (case and leading spaces/quotes ignored) add ``P(path so far) x p(alternative)`` to
  that label, and the path's own probability goes to the label it settles on. A label that never appears
  among the alternatives gets the smallest listed probability at the position where the path left it:
  an upper bound, so the top label's confidence is a lower bound, never inflated by labels the server did
  not list. Normalized over the labels; confidence = top probability. (The device also divides out a
  content-free label prior; the remote tier does not, which would cost two extra requests per label set.)
- **extract**: per field, the geometric mean of its value tokens' probabilities, times 0.4 when the value
  is not found in the input (the device's ``UNGROUNDED_FACTOR``); overall = weakest required field.
- **summarize**: sqrt(mean token probability x grounding) x distinct-trigram ratio: the device's earlier
  formula. The device now combines signals from its own model's scoring of the summary
  (``inference.summary_confidence``), which a server's log-probabilities of one generation cannot give,
  so the org tier keeps this simpler, uncalibrated form.

llama.cpp's and llama-cpp-python's servers report log-probabilities *before* a grammar or JSON-schema
constraint masks tokens (llama-cpp-python checked): a value token the constraint forced then looks less
likely than it was, so constrained output's confidence errs low. vLLM (V1) reports them *after* the mask,
renormalized over the allowed tokens, in every ``--logprobs-mode``: there a value whose likelier
alternatives the schema forbade reads as more certain than it was, so its confidence can err high
(docs/org-server.md says what was read in vLLM's source).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inference.grounding import normalize, support_ratio, value_grounded
from inference.tasks.base import FieldConfidence
from inference.tasks.extract import UNGROUNDED_FACTOR
from inference.tasks.json_spans import top_level_spans

_LEAD = " \t\r\n\"'`*"


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...]  # the alternatives the server listed (the chosen token among them)


def read_token_logprobs(logprobs: Any) -> list[TokenLogprob] | None:
    """The chat-completions ``choices[0].logprobs`` object as tokens; ``None`` when absent or malformed."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content:
        return None
    tokens = []
    for item in content:
        if not isinstance(item, dict) or not isinstance(item.get("token"), str) or not _finite(item.get("logprob")):
            return None
        top = tuple((t["token"], float(t["logprob"])) for t in item.get("top_logprobs") or ()
                    if isinstance(t, dict) and isinstance(t.get("token"), str) and _finite(t.get("logprob")))
        tokens.append(TokenLogprob(item["token"], float(item["logprob"]), top))
    return tokens


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- classify ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelScores:
    probabilities: dict[str, float]  # normalized over the labels
    coverage: float  # probability mass the listed tokens put on some label (before normalizing)

    @property
    def top(self) -> tuple[str, float]:
        label = max(self.probabilities, key=self.probabilities.__getitem__)
        return label, self.probabilities[label]


def _norm(text: str) -> str:
    return text.lstrip(_LEAD).casefold()


def _consistent(candidate: str, label: str) -> bool:
    """Could text starting ``candidate`` be the answer ``label``? (one is a prefix of the other)"""
    return label.startswith(candidate) or candidate.startswith(label)


def label_scores(tokens: Sequence[TokenLogprob], labels: Sequence[str]) -> LabelScores | None:
    """Each label's probability from the generated path and its alternatives (module docstring);
    ``None`` when no listed token spells any label."""
    names = {label: _norm(label) for label in labels}
    mass = dict.fromkeys(labels, 0.0)
    bound = dict.fromkeys(labels, 0.0)
    alive, prefix, path_lp = set(labels), "", 0.0
    for tok in tokens:
        floor = min((lp for _, lp in tok.top), default=tok.logprob)
        for alt, lp in tok.top:
            if alt == tok.token:
                continue
            fits = [label for label in alive if _fits(prefix + alt, names[label])]
            if len(fits) == 1:
                mass[fits[0]] += math.exp(path_lp + lp)
        prefix += tok.token
        path_lp += tok.logprob
        left = {label for label in alive if not _fits(prefix, names[label])}
        for label in left:
            bound[label] = math.exp(path_lp - tok.logprob + floor)
        alive -= left
        settled = _settled(alive, _norm(prefix), names)
        if settled is None and len(alive) == 1 and tok is tokens[-1]:
            settled = next(iter(alive))  # the answer was cut off inside the only label it can still be
        if settled is not None:
            mass[settled] += math.exp(path_lp)
            break
        if not alive:
            break
    coverage = sum(mass.values())
    if coverage <= 0.0:
        return None
    scores = {label: mass[label] if mass[label] > 0 else bound[label] for label in labels}
    total = sum(scores.values())
    return LabelScores({label: s / total for label, s in scores.items()}, min(1.0, coverage))


def _fits(text: str, label: str) -> bool:
    candidate = _norm(text)
    return not candidate or _consistent(candidate, label)


def _settled(alive: set[str], text: str, names: dict[str, str]) -> str | None:
    """The label the path has now spelled: the longest alive label the text has reached, once no alive
    label is still being spelled ("pos" is settled after "pos and", not after "pos" while "positive" fits)."""
    complete = [label for label in alive if text and text.startswith(names[label])]
    pending = [label for label in alive if names[label].startswith(text) and len(names[label]) > len(text)]
    if complete and not pending:
        return max(complete, key=lambda label: len(names[label]))
    return None


# --- extract -------------------------------------------------------------------------------------


def token_offsets(tokens: Sequence[TokenLogprob], text: str) -> list[tuple[int, int]] | None:
    """Character span of each token in ``text``; ``None`` when the tokens do not spell ``text``."""
    spans, pos = [], 0
    for tok in tokens:
        spans.append((pos, pos + len(tok.token)))
        pos += len(tok.token)
    return spans if "".join(t.token for t in tokens) == text else None


def field_confidences(
    text: str, tokens: Sequence[TokenLogprob], value: Any, schema: dict[str, Any], source: str
) -> tuple[dict[str, FieldConfidence] | None, float, float]:
    """``(fields, overall, mean token probability)`` for an extraction answer ``text`` parsed as ``value``."""
    logprobs = [t.logprob for t in tokens]
    mean_prob = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0
    offsets = token_offsets(tokens, text)
    if not isinstance(value, dict) or offsets is None:
        grounded = value_grounded(value, source)
        return None, mean_prob * (1.0 if grounded else UNGROUNDED_FACTOR), mean_prob
    source_norm = normalize(source)
    fields: dict[str, FieldConfidence] = {}
    for key, (start, end) in top_level_spans(text).items():
        if text[start] == '"':
            start, end = start + 1, end - 1
        lps = [lp for (a, b), lp in zip(offsets, logprobs, strict=True) if a < end and b > start]
        prob = math.exp(sum(lps) / len(lps)) if lps else mean_prob
        grounded = value_grounded(value.get(key), source, source_norm)
        fields[key] = FieldConfidence(prob * (1.0 if grounded else UNGROUNDED_FACTOR), prob, grounded)
    required = [k for k in schema.get("required", []) if k in fields] or list(fields)
    overall = min((fields[k].confidence for k in required), default=mean_prob)
    return fields, overall, mean_prob


# --- summarize -----------------------------------------------------------------------------------


def distinct_trigram_ratio(text: str) -> float:
    """Share of the summary's word trigrams that are distinct (1.0 = no repetition)."""
    words = text.casefold().split()
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return len(set(grams)) / len(grams) if grams else 1.0


def summary_confidence(summary: str, tokens: Sequence[TokenLogprob], source: str) -> tuple[float, dict[str, float]]:
    """``(confidence, signals)`` for a summary of ``source`` generated as ``tokens``."""
    fluency = math.exp(sum(t.logprob for t in tokens) / len(tokens)) if tokens else 0.0
    grounding = support_ratio(summary, source)
    novelty = distinct_trigram_ratio(summary)
    signals = {"mean_token_probability": fluency, "grounding": grounding, "novelty": novelty}
    return math.sqrt(fluency * grounding) * novelty, signals
