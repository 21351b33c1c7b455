"""People's names read from the local model's own states: the second opinion on PERSON (issue #9).

The CRF tagger (``redact_tagger``) sees a word's spelling, its neighbours and small word lists: it cannot
know that "Bannon" or "Kellyanne" is a person when no cue says so. The starter model has read a great deal
of text and its middle layers carry what a word *is* in its context. Here a logistic layer reads, for each
word, the model's states (``inference.token_features``: layers 14 and 22 of 30, the text fed twice so each
state has read the whole text) -- the word's mean state, the state just before it and the state of its
next word -- and gives the probability that the word is part of a person's name (or an organisation, an
address, a place, or none: the other kinds are there so the layer learns to tell them apart). On what the
rules and the CRF found, a PERSON span in which no word reaches ``veto`` is dropped, and a run of words at
or above ``threshold`` is added as PERSON through the CRF's last checks (``plausible``, no links or handles).

- **Weights**: ``resources/redact/people.npz`` (numpy arrays, no pickle), trained offline by
  ``bench/train_redact_people.py`` on the CRF's synthetic training text (``corpus.jsonl.gz``), with the
  starter model's states. They fit only those states: the reader always uses the starter model
  (``inference.catalog.starter_model_path``), whatever model answers locally.
- **When**: only when text may leave the device (``app/sendable.py`` calls ``activate()``); ``detect``
  without it uses the CRF and the rules alone (the local path never loads redaction). Once active, a
  missing or unreadable starter model or weights file raises ``RedactionUnavailable``: nothing is sent
  with less redaction than promised.
- **Cost**: one pass of the 135M model over the text, twice its length: measured 6.8 s median for a
  300-word text on the loaded 2-core machine (docs/redaction.md), against ~30 ms for the rules alone.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.errors import RedactionUnavailable
from inference.redact_base import PERSON, WORDLIST_DIR, Detection

if TYPE_CHECKING:
    from inference.token_features import TokenEncoder, TokenStates

WEIGHTS_PATH = WORDLIST_DIR / "people.npz"
KINDS = ("O", "PERSON", "ORG", "ADDRESS", "CITY")  # the layer's classes, in the weights' row order
FloatArray = np.ndarray[Any, np.dtype[np.float32]]


def word_features(offsets: Sequence[tuple[int, int]], states: TokenStates) -> FloatArray:
    """One row per word: the mean state of its tokens, the last state before it, the first of the next word."""
    h = states.vectors.astype(np.float32)
    width = h.shape[1] if h.ndim == 2 else 0
    if not offsets or not len(h):
        return np.zeros((len(offsets), 3 * width), np.float32)
    starts, ends = states.offsets[:, 0], states.offsets[:, 1]
    mean, first, last = [], [], []
    for a, b in offsets:
        inside = np.nonzero((starts < b) & (ends > a))[0]
        if not len(inside):  # a word inside one token's span: the nearest token
            inside = np.array([min(len(h) - 1, int(np.searchsorted(ends, a, side="right")))])
        mean.append(h[inside].mean(axis=0))
        first.append(h[inside[0]])
        last.append(h[inside[-1]])
    zero = np.zeros((1, width), np.float32)
    previous = np.vstack([zero, np.array(last[:-1]).reshape(-1, width)])
    following = np.vstack([np.array(first[1:]).reshape(-1, width), zero])
    return np.hstack([np.array(mean), previous, following]).astype(np.float32)


@dataclass(frozen=True)
class Weights:
    coef: FloatArray  # (len(KINDS), features)
    intercept: FloatArray  # (len(KINDS),)
    layers: tuple[int, ...]
    threshold: float  # a word at or above it is part of a name
    veto: float  # a PERSON span of the other detectors in which no word reaches it is dropped

    def probabilities(self, x: FloatArray) -> FloatArray:
        z = x @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        p: FloatArray = np.exp(z)
        normalised: FloatArray = p / p.sum(axis=1, keepdims=True)
        return normalised


def load_weights(path: Path | None = None) -> Weights:
    path = path or WEIGHTS_PATH
    try:
        with np.load(path, allow_pickle=False) as data:
            coef = data["coef"].astype(np.float32)
            intercept = data["intercept"].astype(np.float32)
            layers = tuple(int(k) for k in data["layers"])
            threshold = float(data["threshold"])
            veto = float(data["veto"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise RedactionUnavailable(f"The name reader's weights are missing or damaged: {path} ({exc}).") from exc
    if coef.ndim != 2 or coef.shape[0] != len(KINDS) or intercept.shape != (len(KINDS),):
        raise RedactionUnavailable(f"The name reader's weights have the wrong shape: {path}.")
    return Weights(coef, intercept, layers, threshold, veto)


def spans(offsets: Sequence[tuple[int, int]], person: FloatArray, threshold: float) -> Iterator[Detection]:
    """Runs of consecutive words whose PERSON probability is at least ``threshold``."""
    start = end = -1
    for (a, b), p in zip(offsets, person, strict=True):
        if p >= threshold:
            start = a if start < 0 else start
            end = b
        elif start >= 0:
            yield Detection(start, end, PERSON)
            start = -1
    if start >= 0:
        yield Detection(start, end, PERSON)


class PeopleReader:
    def __init__(self, encoder: TokenEncoder, weights: Weights) -> None:
        expected = encoder.model.width * 3
        if weights.coef.shape[1] != expected or encoder.layers != weights.layers:
            raise RedactionUnavailable("The name reader's weights were trained on other model states "
                                       f"(layers {weights.layers}, not {encoder.layers}).")
        self.encoder, self.weights = encoder, weights

    def second_opinion(self, text: str, found: Sequence[Detection]) -> list[Detection]:
        """``found`` (the other detectors' spans) with this reader's view: a PERSON span in which no word
        reaches ``veto`` is dropped (the tagger's capitalised slang and places, "finna", "Birmingham"),
        and runs of words at or above ``threshold`` that pass the tagger's last checks are added."""
        from inference.redact_tagger import checked, text_case, tokens

        offsets = tokens(text)
        if not offsets:
            return list(found)
        from inference.errors import ModelLoadFailed

        try:
            # A lone surrogate cannot be encoded for the model: "?" in its place keeps every offset.
            readable = text.encode("utf-8", "replace").decode("utf-8")
            states = self.encoder.encode([readable])[0]  # kept in memory: a consent redacts a text more than once
        except ModelLoadFailed as exc:
            raise RedactionUnavailable(f"The starter model could not read the text for redaction: {exc}") from exc
        person = self.weights.probabilities(word_features(offsets, states))[:, KINDS.index(PERSON)]
        starts = np.array([a for a, _ in offsets])
        ends = np.array([b for _, b in offsets])

        def doubted(d: Detection) -> bool:
            inside = person[(starts < d.end) & (ends > d.start)]
            return d.kind == PERSON and len(inside) > 0 and float(inside.max()) < self.weights.veto

        kept = [d for d in found if not doubted(d)]
        case = text_case([text[a:b] for a, b in offsets])
        return kept + list(checked(text, spans(offsets, person, self.weights.threshold), case))


_lock = threading.Lock()
_reader: list[PeopleReader | None] = [None]


def activate() -> None:
    """Load the starter model's encoder and the weights (once per process). Raises ``RedactionUnavailable``."""
    with _lock:
        if _reader[0] is not None:
            return
        from inference.catalog import starter_model_path
        from inference.errors import ModelLoadFailed
        from inference.token_features import TokenEncoder

        weights = load_weights()
        path = starter_model_path()
        if path is None:
            raise RedactionUnavailable("The starter model, which reads names for redaction, is not installed.")
        try:
            encoder = TokenEncoder(path, layers=weights.layers, gpu=False)
        except ModelLoadFailed as exc:
            raise RedactionUnavailable(f"The starter model could not be read for redaction: {exc}") from exc
        atexit.register(encoder.close)  # llama.cpp freed before the interpreter tears its bindings down
        _reader[0] = PeopleReader(encoder, weights)


def active() -> bool:
    return _reader[0] is not None


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Redact without the reader for a while (the benchmark's one-megabyte speed figure of the rules)."""
    reader, _reader[0] = _reader[0], None
    try:
        yield
    finally:
        _reader[0] = reader


def second_opinion(text: str, found: Sequence[Detection]) -> list[Detection]:
    """``found`` as the name reader sees it (``PeopleReader.second_opinion``); unchanged until ``activate()``."""
    reader = _reader[0]
    return reader.second_opinion(text, found) if reader is not None else list(found)
