"""Classification by label scoring.

Every label's tokens (plus the end-of-turn token, so "pos" is not mistaken for a prefix of "positive")
are scored as the continuation of the prompt, sharing the prompt's KV state: one pass over the prompt,
then only the label tokens. A softmax over the labels gives a probability for each; confidence is the
top probability. Case variants of a label ("positive", "Positive") are pooled.
"""

from __future__ import annotations

import math

from inference.engine import CancelToken, LocalEngine
from inference.errors import InputInvalid
from inference.prompting import Message
from inference.tasks.base import ClassifySpec, TaskResult, Usage
from inference.tasks.common import check_text, escape_special, fit_tokens, timed

ANSWER_RESERVE = 32  # tokens kept free for the label continuations


def build_messages(text: str, spec: ClassifySpec) -> list[Message]:
    labels = ", ".join(spec.labels)
    lines = [
        "You are a text classifier. Read the user's message and answer with exactly one label "
        f"from this list: {labels}.",
        "Answer with the label only.",
    ]
    if spec.descriptions:
        lines.append("Labels:")
        lines += [f"- {label}: {desc}" for label, desc in spec.descriptions]
    messages = [Message("system", "\n".join(lines))]
    for example, label in spec.examples:
        messages += [Message("user", example), Message("assistant", label)]
    messages.append(Message("user", text))
    return messages


def check_spec(spec: ClassifySpec) -> None:
    labels = [label.strip() for label in spec.labels]
    if len(labels) < 2:
        raise InputInvalid("Give at least two labels to choose from, e.g. --labels positive,negative.")
    if any(not label for label in labels):
        raise InputInvalid("A label is empty; labels are separated by commas.")
    if len({label.casefold() for label in labels}) != len(labels):
        raise InputInvalid("The labels contain a duplicate (labels are compared without case).")
    unknown = {label for _, label in spec.examples} - set(spec.labels)
    if unknown:
        raise InputInvalid(f"Examples use labels that are not in the label set: {', '.join(sorted(unknown))}.")


def _variants(label: str) -> list[str]:
    return list(dict.fromkeys([label, label.lower(), label[:1].upper() + label[1:]]))


def classify(engine: LocalEngine, text: str, spec: ClassifySpec, cancel: CancelToken | None = None) -> TaskResult:
    check_spec(spec)
    text = escape_special(engine, check_text(text))
    with timed() as timer:
        head = engine.prompter.render(build_messages("", spec))
        budget = engine.n_ctx - len(engine.tokenize(head)) - ANSWER_RESERVE
        text, kept = fit_tokens(engine, text, budget)
        prompt = engine.tokenize(engine.prompter.render(build_messages(text, spec)))
        owners: list[int] = []
        continuations: list[list[int]] = []
        end = engine.end_of_turn
        for idx, label in enumerate(spec.labels):
            for variant in _variants(label):
                continuations.append(engine.tokenize(variant, special=False) + [end])
                owners.append(idx)
        scores = engine.score_continuations(prompt, continuations, cancel)
    pooled = [-math.inf] * len(spec.labels)
    for owner, score in zip(owners, scores, strict=True):
        pooled[owner] = _logaddexp(pooled[owner], score)
    probs = _softmax(pooled)
    ranked = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)
    top, second = probs[ranked[0]], probs[ranked[1]]
    signals = {
        "top_probability": top,
        "margin": top - second,
        "label_mass": min(1.0, sum(math.exp(s) for s in pooled)),  # how much of the model's mass hit a label
        "normalized_entropy": _entropy(probs) / math.log(len(probs)),
        "input_kept": kept,
    }
    return TaskResult(
        task="classify",
        output=spec.labels[ranked[0]],
        confidence=top,
        signals=signals,
        usage=Usage(prompt_tokens=len(prompt), completion_tokens=0),
        latency_ms=timer.ms,
        model=engine.model_name,
        method="label-scoring",
        probabilities={label: p for label, p in zip(spec.labels, probs, strict=True)},
    )


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    hi, lo = max(a, b), min(a, b)
    return hi + math.log1p(math.exp(lo - hi))


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _entropy(probs: list[float]) -> float:
    return -sum(p * math.log(p) for p in probs if p > 0)
