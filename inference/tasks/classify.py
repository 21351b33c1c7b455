"""Classification by label scoring.

Every label's tokens are scored as the continuation of the prompt, sharing the prompt's KV state: one
pass over the prompt, then only the label tokens (all labels in one batched decode). When a label is a
token prefix of another ("pos" / "positive"), the end-of-turn token is scored too. A softmax over the
labels gives a probability for each; the label-order prior measured on content-free input is divided out
(see ``content_free_prior``); confidence is the top probability. Labels are scored as written (pooling
case variants doubled the cost and did not help on our eval sets).
"""

from __future__ import annotations

import math

from inference.engine import CancelToken, LocalEngine
from inference.errors import InputInvalid
from inference.prompting import Message
from inference.tasks.base import ClassifySpec, TaskResult, Usage, check_labels
from inference.tasks.common import check_text, escape_special, fit_tokens, timed

ANSWER_RESERVE = 32  # tokens kept free for the label continuations
CONTENT_FREE = ("N/A", "[MASK]")


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


def label_sequences(engine: LocalEngine, labels: tuple[str, ...]) -> list[list[int]]:
    """Each label's tokens; with the end-of-turn token appended only when one label's tokens are a prefix
    of another's (then "pos" must mean "pos and stop"). Measured on 84 BANKING77 messages, 8 intents,
    the starter model: always appending it gave accuracy 0.29 / ECE 0.40 / AUROC 0.59 against
    0.45 / 0.15 / 0.79 without it: the model rarely wants to stop right after a label."""
    seqs = [engine.tokenize(label, special=False) for label in labels]
    prefixed = any(a != b and b[: len(a)] == a for a in seqs for b in seqs)
    return [s + [engine.end_of_turn] for s in seqs] if prefixed else seqs


def check_spec(spec: ClassifySpec) -> None:
    labels = [label.strip() for label in spec.labels]
    if len(labels) < 2:
        raise InputInvalid("Give at least two labels to choose from, e.g. --labels positive,negative.")
    check_labels(labels)
    if any(not label for label in labels):
        raise InputInvalid("A label is empty; labels are separated by commas.")
    if len({label.casefold() for label in labels}) != len(labels):
        raise InputInvalid("The labels contain a duplicate (labels are compared without case).")
    unknown = {label for _, label in spec.examples} - set(spec.labels)
    if unknown:
        raise InputInvalid(f"Examples use labels that are not in the label set: {', '.join(sorted(unknown))}.")


def classify(engine: LocalEngine, text: str, spec: ClassifySpec, cancel: CancelToken | None = None) -> TaskResult:
    check_spec(spec)
    text = escape_special(engine, check_text(text))
    with timed() as timer:
        head = engine.prompter.render(build_messages("", spec))
        budget = engine.n_ctx - len(engine.tokenize(head)) - ANSWER_RESERVE
        text, kept = fit_tokens(engine, text, budget)
        prompt = engine.tokenize(engine.prompter.render(build_messages(text, spec)))
        continuations = label_sequences(engine, spec.labels)
        raw = _softmax(engine.score_continuations(prompt, continuations, cancel))
        prior = content_free_prior(engine, spec, continuations)
    probs = _normalize([p / q for p, q in zip(raw, prior, strict=True)])
    ranked = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)
    top, second = probs[ranked[0]], probs[ranked[1]]
    signals = {
        "top_probability": top,
        "margin": top - second,
        "raw_top_probability": max(raw),  # before dividing out the label-order prior
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


def content_free_prior(engine: LocalEngine, spec: ClassifySpec, continuations: list[list[int]]) -> list[float]:
    """The label distribution for inputs with no content ("N/A", "[MASK]"), cached per label set.

    A small model favours some labels whatever the text says (the first one listed, a frequent word).
    Dividing that prior out ("contextual calibration", Zhao et al. 2021) measurably helped: on 70
    BANKING77 messages (8 intents) accuracy 0.46 -> 0.51 and ECE 0.14 -> 0.09; on two-way sentiment
    accuracy 0.63 -> 0.88 (16 messages). Costs two short extra prompts once per label set.
    """
    key = (spec.labels, spec.descriptions, spec.examples)
    cache: dict[object, list[float]] = engine.__dict__.setdefault("_label_priors", {})
    if key not in cache:
        dists = []
        for filler in CONTENT_FREE:
            prompt = engine.tokenize(engine.prompter.render(build_messages(filler, spec)))
            dists.append(_softmax(engine.score_continuations(prompt, continuations)))
        cache[key] = [max(1e-6, sum(col) / len(dists)) for col in zip(*dists, strict=True)]
    return cache[key]


def _normalize(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _entropy(probs: list[float]) -> float:
    return -sum(p * math.log(p) for p in probs if p > 0)
