"""Teaching the redaction tagger: training, and the user's own corrections as examples.

The shipped tagger (``resources/redact/tagger.json.gz``) is trained by ``bench/train_redact_tagger.py``
on synthetic text; that training text is shipped too (``corpus.jsonl.gz``), so the tagger can be trained
again on the device, with the user's own "Redact selection" corrections added:

    ex = correction_example(original_text, ["falcon budget", "rickelle kawamoto"])
    append_example(path, ex)                       # the caller chooses where (the user's data folder)
    retrain(read_examples(path), out=model_path)   # minutes, off the GUI thread
    use_model(model_path)                          # inference.redact_tagger: the next redaction uses it

What the user hid is learned as its own kind, ``REDACTED`` (so it comes back as ``[REDACTED_n]``, as when
hidden by hand); the regions the tagger's kinds were found in that text keep their kind, so the example
does not teach that the names around the user's selection are ordinary words. Each correction counts
``repeat`` times against the ~17,000 synthetic texts. Training is deterministic (L-BFGS).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import RedactionExamplesInvalid, RedactionTrainingStopped, RedactionUnavailable
from inference.redact_base import USER, WORDLIST_DIR
from inference.redact_tagger import ENTITY_KINDS, token_attributes, tokens

CORPUS_PATH = WORDLIST_DIR / "corpus.jsonl.gz"
PARAMS = {"c1": 0.02, "c2": 0.01, "max_iterations": 200, "feature.possible_transitions": True}
TrainingSpan = tuple[int, int, str]


@dataclass(frozen=True)
class Example:
    """A text with its labelled character spans (kinds: PERSON, ORG, ADDRESS, CITY, REDACTED)."""

    text: str
    spans: tuple[TrainingSpan, ...]

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "spans": [list(s) for s in self.spans]}, ensure_ascii=False)


def correction_example(text: str, hidden: Iterable[str]) -> Example | None:
    """The training example for ``text`` (as the user wrote it) in which the user hid ``hidden`` by hand:
    every whole-word occurrence of a hidden value is ``REDACTED``; what the tagger's kinds found
    elsewhere in the text keeps its kind. None when no hidden value is found in the text."""
    from inference.redact import detect  # here: inference.redact imports the tagger that imports us

    spans: list[TrainingSpan] = []
    for value in sorted({v.strip() for v in hidden if v.strip()}, key=len, reverse=True):
        for m in re.finditer(re.escape(value), text):
            a, b = m.span()
            whole = (a == 0 or not text[a - 1].isalnum()) and (b == len(text) or not text[b].isalnum())
            if whole and not any(s < b and a < e for s, e, _ in spans):
                spans.append((a, b, USER))
    if not spans:
        return None
    for d in detect(text, ENTITY_KINDS):
        if not any(s < d.end and d.start < e for s, e, _ in spans):
            spans.append((d.start, d.end, d.kind))
    return Example(text, tuple(sorted(spans)))


def read_examples(path: Path) -> list[Example]:
    """The examples in a JSON-lines file (missing file: none). A damaged file is an error, never
    silently half-read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise RedactionExamplesInvalid(f"Cannot read the redaction examples in {path}: {exc}") from exc
    examples = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                examples.append(_parse(json.loads(line)))
            except (ValueError, TypeError, KeyError) as exc:
                raise RedactionExamplesInvalid(f"Line {number} of {path} is not a redaction example ({exc}).") from exc
    return examples


def _parse(row: Any) -> Example:
    text = row["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    spans = []
    for start, end, kind in row["spans"]:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError(f"span {start}:{end} is outside the text")
        if kind not in (*ENTITY_KINDS, USER):
            raise ValueError(f"unknown kind {kind!r}")
        spans.append((start, end, str(kind)))
    return Example(text, tuple(spans))


def append_example(path: Path, example: Example) -> None:
    """Add one example to the file (created, readable by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(example.to_json() + "\n")


def bio(text: str, spans: Sequence[TrainingSpan]) -> tuple[list[str], list[str]]:
    """The words of ``text`` and their BIO labels."""
    offsets = tokens(text)
    labels = []
    previous: TrainingSpan | None = None
    for a, _ in offsets:
        inside = next((s for s in spans if s[0] <= a < s[1]), None)
        if inside is None:
            labels.append("O")
        else:
            labels.append(("I-" if previous == inside else "B-") + inside[2])
        previous = inside
    return [text[a:b] for a, b in offsets], labels


def read_corpus(path: Path = CORPUS_PATH) -> list[Example]:
    """The shipped training text of the tagger."""
    try:
        lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
        return [_parse(json.loads(line)) for line in lines if line]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise RedactionUnavailable(f"The redaction training text is missing or damaged: {path} ({exc}).") from exc


def write_corpus(examples: Iterable[Example], path: Path = CORPUS_PATH) -> None:
    data = "".join(ex.to_json() + "\n" for ex in examples).encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


class _Stop(Exception):
    """Raised from crfsuite's progress callback to end a training early."""


def _trainer(stop: Callable[[], bool] | None) -> Any:
    try:
        import pycrfsuite
    except ImportError as exc:  # a broken install
        raise RedactionUnavailable(f"Training the redaction tagger needs python-crfsuite ({exc}).") from exc
    if stop is None:
        return pycrfsuite.Trainer(verbose=False)
    asked: Callable[[], bool] = stop

    class Stoppable(pycrfsuite.Trainer):  # type: ignore[misc]
        def message(self, text: str) -> None:  # crfsuite's progress lines (verbose): a point to stop at
            if asked():
                raise _Stop

    return Stoppable(verbose=True)


def train(
    data: Iterable[Example], out: Path, params: dict[str, Any] | None = None, stop: Callable[[], bool] | None = None
) -> dict[str, int]:
    """Fit the CRF (python-crfsuite) and write its weights to ``out`` (atomically). ``stop`` is asked before
    each text is added and at each step of the training; when it answers True, ``RedactionTrainingStopped``
    is raised and ``out`` is left as it was."""
    import pycrfsuite

    trainer = _trainer(stop)
    n = 0
    for ex in data:  # preparing the ~17,000 texts takes seconds: a point to stop at before each one
        if stop is not None and stop():
            raise RedactionTrainingStopped("The redaction tagger's training was stopped before it started.")
        words, labels = bio(ex.text, ex.spans)
        if words:
            trainer.append(token_attributes(words), labels)
            n += 1
    trainer.set_params(params or PARAMS)
    with tempfile.TemporaryDirectory() as tmp:
        model_file = str(Path(tmp) / "model.crfsuite")
        try:
            trainer.train(model_file)
        except _Stop:
            raise RedactionTrainingStopped("The redaction tagger's training was stopped before it finished.") from None
        info = pycrfsuite.Tagger()
        info.open(model_file)
        details = info.info()
    return export(details, out) | {"texts": n}


def export(details: Any, out: Path) -> dict[str, int]:
    """The CRF's non-zero weights as gzipped JSON (what ``redact_tagger.load_model`` reads)."""
    labels = sorted(details.labels, key=lambda label: (label != "O", label))
    index = {label: i for i, label in enumerate(labels)}
    transitions = [[0.0] * len(labels) for _ in labels]
    for (a, b), w in details.transitions.items():
        transitions[index[a]][index[b]] = round(w, 4)
    features: dict[str, list[float]] = {}
    for (attr, label), w in sorted(details.state_features.items()):
        if abs(w) >= 1e-3:
            features.setdefault(attr, []).extend([index[label], round(w, 4)])
    payload = {"format": 1, "labels": labels, "transitions": transitions, "features": features}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(gzip.compress(data, mtime=0))
    os.replace(partial, out)
    return {"attributes": len(features), "bytes": out.stat().st_size}


def retrain(
    examples: Sequence[Example], out: Path, *, corpus: Path = CORPUS_PATH, repeat: int = 5,
    params: dict[str, Any] | None = None, stop: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """The tagger trained on the shipped corpus plus ``examples`` (each ``repeat`` times, and each value the
    user hid also put into ``repeat`` other texts of the corpus), written to ``out``. With no examples it
    is the shipped tagger again."""
    base = read_corpus(corpus)
    data = base + list(examples) * repeat + transplanted(examples, base, repeat)
    return train(data, out, params, stop) | {"examples": len(examples)}


def transplanted(examples: Sequence[Example], corpus: Sequence[Example], per_value: int) -> list[Example]:
    """Each value the user hid, put in place of a name or organisation in ``per_value`` other texts (chosen
    deterministically): the lesson is the value, not the one sentence it was first seen in, which a
    CRF would otherwise learn by heart."""
    hosts = [ex for ex in corpus if any(kind in ("PERSON", "ORG") for _, _, kind in ex.spans)]
    values = sorted({ex.text[a:b] for ex in examples for a, b, kind in ex.spans if kind == USER})
    if not hosts:
        return []
    out = []
    for i, value in enumerate(values):
        for j in range(per_value):
            host = hosts[(i * 7919 + j * 104729) % len(hosts)]
            a, b, _ = next(s for s in host.spans if s[2] in ("PERSON", "ORG"))
            shift = len(value) - (b - a)
            spans = [(s, e, k) if e <= a else (s + shift, e + shift, k) for s, e, k in host.spans if (s, e) != (a, b)]
            spans.append((a, a + len(value), USER))
            out.append(Example(host.text[:a] + value + host.text[b:], tuple(sorted(spans))))
    return out
