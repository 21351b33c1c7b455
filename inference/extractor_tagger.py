"""A span tagger taught by example: which words of a text are the value of which field.

Training (``fit_tagger``), on examples whose values are marked as spans of their texts:
1. The text is cut into words (``spans.words``: whitespace-separated, the punctuation around them peeled
   off), and each word gets a tag: ``O`` (no field), ``B-field`` (first word of a value) or ``I-field``.
2. A word's features are the local model's states of its tokens (``inference.token_features``: layers 14
   and 22 of 30, read on the echoed text): their mean and the last one, the previous word's last token and
   the next word's first token; standardised. Measured by 5-fold cross-validation on the 1,500 training
   messages of the NLU++ split (bench/extract_data.py): tagging tokens on the last layer gave field F1
   0.68; words on layer 14, 0.73; words on layers 14 and 22, 0.76 (with 0.6% of absent fields invented).
3. A multinomial logistic regression (scikit-learn, lbfgs) maps features to tags; the standardisation is
   folded into its weights, so a trained tagger is plain numbers.
4. Decoding a text, per field: the word most likely to be inside a value seeds the span when that
   probability is at least 0.5; the span grows over neighbouring words above ``EXTEND``. One value per
   field.
5. Calibration, per field, on cross-validated (out-of-fold) predictions: P(the emitted span is exactly
   right | its scores) and P(the field is truly absent | its scores), each a one-feature logistic fit
   (pooled over fields where a field has too few examples). The same out-of-fold predictions give the
   per-field precision, recall and F1 reported after training.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.errors import NotEnoughExamples
from inference.metrics import ALL_FIELDS, field_figures, same_value
from inference.tasks.spans import Word, words
from inference.token_features import TokenStates

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
C = 0.1  # same cross-validated F1 as 0.03 on the NLU++ training side, and faster to fit
EMIT = 0.5  # a word seeds a value at this probability of being inside one
EXTEND = 0.15  # a neighbouring word joins a span above this probability of being inside it (CV: 0.3 was worse)
FEATURES = "words:mean,last,prev_last,next_first"  # what a tagger's weights read (checked on import)
MAX_FOLDS = 5
MIN_VALUES = 3  # examples with a value, per field, to train at all
FEW_VALUES = 10  # below this the per-field figures are shaky (a warning)
MIN_CALIBRATION = 8  # emitted spans (with right and wrong among them) for a field's own calibration
MAX_ITER = 300


@dataclass(frozen=True)
class Example:
    """A text and, per field, the (start, end) of its value in the text, or None (absent)."""

    text: str
    spans: dict[str, tuple[int, int] | None]


@dataclass(frozen=True)
class Guess:
    """A field's best span in a text, with the scores it was judged on."""

    span: tuple[int, int] | None  # None: no token reached 0.5
    peak: float  # highest probability of any token being inside a value of the field
    mean: float  # mean inside-probability over the span's tokens (0 when no span)


@dataclass(frozen=True)
class FieldCalibration:
    right: tuple[float, float]  # logistic (weight, bias) on logit(mean): P(emitted span right)
    absent: tuple[float, float]  # logistic on logit(peak): P(truly absent) when nothing is emitted

    def p_right(self, guess: Guess) -> float:
        return _sigmoid(self.right[0] * _logit(guess.mean) + self.right[1])

    def p_absent(self, guess: Guess) -> float:
        return _sigmoid(self.absent[0] * _logit(guess.peak) + self.absent[1])


@dataclass(frozen=True)
class Tagger:
    fields: tuple[str, ...]
    coef: np.ndarray[Any, np.dtype[np.float32]]  # (1 + 2 * fields, features), standardisation folded in
    intercept: np.ndarray[Any, np.dtype[np.float32]]
    calibration: dict[str, FieldCalibration]
    extend: float = EXTEND

    @property
    def tags(self) -> tuple[str, ...]:
        return tag_names(self.fields)

    def probabilities(self, x: FloatArray) -> FloatArray:
        return _softmax(x @ self.coef.T.astype(np.float64) + self.intercept)

    def guess(self, text: str, states: TokenStates) -> dict[str, Guess]:
        units, x = features(text, states)
        return decode(units, self.probabilities(x), self.fields, self.extend)


@dataclass(frozen=True)
class FieldReport:
    values: int  # examples with a value for this field
    precision: float | None
    recall: float | None
    f1: float | None
    hallucination_rate: float | None


@dataclass(frozen=True)
class TaggerReport:
    examples: int
    folds: int
    per_field: dict[str, FieldReport]
    f1: float | None  # all fields together (micro)
    hallucination_rate: float | None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {"examples": self.examples, "folds": self.folds, "f1": r(self.f1),
                "hallucination_rate": r(self.hallucination_rate), "warnings": list(self.warnings),
                "seconds": round(self.seconds, 3),
                "per_field": {k: {"values": v.values, "precision": r(v.precision), "recall": r(v.recall),
                                  "f1": r(v.f1), "hallucination_rate": r(v.hallucination_rate)}
                              for k, v in self.per_field.items()}}


def tag_names(fields: Sequence[str]) -> tuple[str, ...]:
    return ("O", *(f"{prefix}-{name}" for name in fields for prefix in "BI"))


def _sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


# -- features and tags -----------------------------------------------------------------------------

def _softmax(logits: FloatArray) -> FloatArray:
    logits = logits - logits.max(axis=1, keepdims=True)
    probs: FloatArray = np.exp(logits)
    result: FloatArray = probs / probs.sum(axis=1, keepdims=True)
    return result


def features(text: str, states: TokenStates) -> tuple[list[Word], FloatArray]:
    """The words of ``text`` and their features (see the module doc), one row per word."""
    units = words(text)
    h = states.vectors.astype(np.float64)
    width = h.shape[1] if h.ndim == 2 else 0
    if not units or not len(h):
        return units, np.zeros((len(units), 4 * width))
    starts, ends = states.offsets[:, 0], states.offsets[:, 1]
    mean, first, last = [], [], []
    for word in units:
        inside = np.nonzero((starts < word.end) & (ends > word.start))[0]
        if not len(inside):  # a word inside one token's span can't be missed; keep the nearest one
            inside = np.array([min(len(h) - 1, int(np.searchsorted(ends, word.start, side="right")))])
        mean.append(h[inside].mean(axis=0))
        first.append(h[inside[0]])
        last.append(h[inside[-1]])
    zero = np.zeros((1, width))
    prev_last = np.vstack([zero, np.array(last[:-1]).reshape(-1, width)])
    next_first = np.vstack([np.array(first[1:]).reshape(-1, width), zero])
    return units, np.hstack([np.array(mean), np.array(last), prev_last, next_first])


def word_tags(example: Example, units: Sequence[Word], fields: Sequence[str]) -> np.ndarray[Any, Any]:
    """Tag index of each word: a word belongs to a value when it overlaps the value's span."""
    tags = np.zeros(len(units), np.int64)
    for f, name in enumerate(fields):
        span = example.spans.get(name)
        if span is None:
            continue
        first = True
        for i, word in enumerate(units):
            if word.start < span[1] and word.end > span[0] and tags[i] == 0:
                tags[i] = 1 + 2 * f + (0 if first else 1)
                first = False
    return tags


def decode(units: Sequence[Word], probs: FloatArray, fields: Sequence[str], extend: float) -> dict[str, Guess]:
    out: dict[str, Guess] = {}
    for f, name in enumerate(fields):
        inside = probs[:, 1 + 2 * f] + probs[:, 2 + 2 * f] if len(probs) else np.zeros(0)
        if not len(inside):
            out[name] = Guess(None, 0.0, 0.0)
            continue
        peak = int(inside.argmax())
        if inside[peak] < EMIT:
            out[name] = Guess(None, float(inside[peak]), 0.0)
            continue
        a = b = peak
        while a > 0 and inside[a - 1] >= extend:
            a -= 1
        while b < len(inside) - 1 and inside[b + 1] >= extend:
            b += 1
        out[name] = Guess((units[a].start, units[b].end), float(inside[peak]), float(inside[a : b + 1].mean()))
    return out


# -- training --------------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _fit(x: FloatArray, y: np.ndarray[Any, Any], n_tags: int) -> tuple[FloatArray, FloatArray]:
    """Weights (tags x features) with the standardisation folded in; absent tags get a very low bias."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model: LogisticRegression = LogisticRegression(C=C, max_iter=MAX_ITER)
    with _quiet():
        model.fit((x - mean) / scale, y)
    coef = np.zeros((n_tags, x.shape[1]))
    intercept = np.full(n_tags, -30.0)
    classes = np.asarray(model.classes_)
    raw_coef, raw_intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
    if len(classes) == 2:  # scikit-learn keeps one row for two classes
        raw_coef, raw_intercept = np.vstack([-raw_coef / 2, raw_coef / 2]), np.r_[-raw_intercept / 2, raw_intercept / 2]
    coef[classes] = raw_coef / scale
    intercept[classes] = raw_intercept - (raw_coef / scale) @ mean
    return coef, intercept


def check_examples(examples: Sequence[Example], fields: Sequence[str]) -> tuple[str, ...]:
    counts = {name: sum(e.spans.get(name) is not None for e in examples) for name in fields}
    short = [f"{name} ({n})" for name, n in counts.items() if n < MIN_VALUES]
    if short:
        raise NotEnoughExamples(f"Too few examples with a value for: {', '.join(short)}. Every field needs at "
                                f"least {MIN_VALUES} examples where it has a value (cross-validation needs them).",
                                hint="Add examples with `inhouse extractors add-examples NAME FILE` (JSONL: text and "
                                     "values), or correct results in the app, then train again.")
    return tuple(f"Only {n} examples with a value for '{name}': add more (at least {FEW_VALUES}) for reliable "
                 "results." for name, n in counts.items() if n < FEW_VALUES)


@dataclass
class _Oof:
    guesses: list[dict[str, Guess]] = field(default_factory=list)
    index: list[int] = field(default_factory=list)


def fit_tagger(
    examples: Sequence[Example], states: Sequence[TokenStates], fields: Sequence[str], *, seed: int = 0,
) -> tuple[Tagger, TaggerReport]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # small matrices: one BLAS thread (see classifier_head)
        return _fit_tagger(examples, states, tuple(fields), seed)


def _fit_tagger(examples: Sequence[Example], states: Sequence[TokenStates], fields: tuple[str, ...],
                seed: int) -> tuple[Tagger, TaggerReport]:
    start = time.perf_counter()
    notes = check_examples(examples, fields)
    n_tags = len(tag_names(fields))
    read = [features(e.text, s) for e, s in zip(examples, states, strict=True)]
    units, x = [u for u, _ in read], [f for _, f in read]
    y = [word_tags(e, u, fields) for e, u in zip(examples, units, strict=True)]
    oof = _out_of_fold(units, x, y, fields, n_tags, seed)
    order = np.argsort(oof.index)
    guesses = [oof.guesses[i] for i in order]
    calibration = calibrate(guesses, examples, fields)
    coef, intercept = _fit(np.vstack(x), np.concatenate(y), n_tags)
    tagger = Tagger(fields, coef.astype(np.float32), intercept.astype(np.float32), calibration)
    report = _report(guesses, examples, fields, min(MAX_FOLDS, len(examples)), notes)
    return tagger, TaggerReport(**{**report.__dict__, "seconds": time.perf_counter() - start})


def _out_of_fold(units: list[list[Word]], x: list[FloatArray], y: list[np.ndarray[Any, Any]],
                 fields: tuple[str, ...], n_tags: int, seed: int) -> _Oof:
    from sklearn.model_selection import KFold

    oof = _Oof()
    folds = min(MAX_FOLDS, len(units))
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(np.arange(len(units))):
        coef, intercept = _fit(np.vstack([x[i] for i in train]), np.concatenate([y[i] for i in train]), n_tags)
        for i in test:
            oof.guesses.append(decode(units[i], _softmax(x[i] @ coef.T + intercept), fields, EXTEND))
            oof.index.append(int(i))
    return oof


def _right(guess: Guess, example: Example, name: str) -> bool:
    truth = example.spans.get(name)
    if guess.span is None or truth is None:
        return False
    return same_value(example.text[slice(*guess.span)], example.text[slice(*truth)])


def calibrate(guesses: Sequence[dict[str, Guess]], examples: Sequence[Example],
              fields: Sequence[str]) -> dict[str, FieldCalibration]:
    rows = {name: [(g[name], _right(g[name], e, name), e.spans.get(name) is None) for g, e in
                   zip(guesses, examples, strict=True)] for name in fields}
    pooled = [r for name in fields for r in rows[name]]
    fallback = FieldCalibration(_platt([(_logit(g.mean), ok) for g, ok, _ in pooled if g.span]),
                                _platt([(_logit(g.peak), absent) for g, _, absent in pooled if not g.span]))
    out: dict[str, FieldCalibration] = {}
    for name in fields:
        emitted = [(_logit(g.mean), ok) for g, ok, _ in rows[name] if g.span]
        silent = [(_logit(g.peak), absent) for g, _, absent in rows[name] if not g.span]
        out[name] = FieldCalibration(
            _platt(emitted) if _enough(emitted) else fallback.right,
            _platt(silent) if _enough(silent) else fallback.absent)
    return out


def _enough(points: list[tuple[float, bool]]) -> bool:
    positives = sum(ok for _, ok in points)
    return len(points) >= MIN_CALIBRATION and 2 <= positives <= len(points) - 2


def _platt(points: list[tuple[float, bool]]) -> tuple[float, float]:
    """Logistic (weight, bias) of one feature; with one class only, a constant near that class's rate."""
    labels = [ok for _, ok in points]
    if not points or all(labels) or not any(labels):
        rate = (sum(labels) + 0.5) / (len(labels) + 1.0)
        return 0.0, _logit(rate)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0).fit(np.array([[p] for p, _ in points]), np.array(labels, dtype=int))
    return float(model.coef_[0][0]), float(model.intercept_[0])


def _report(guesses: Sequence[dict[str, Guess]], examples: Sequence[Example], fields: Sequence[str], folds: int,
            notes: tuple[str, ...]) -> TaggerReport:
    def value(g: Guess, e: Example) -> str | None:
        return e.text[slice(*g.span)] if g.span else None

    predicted = [{n: value(g[n], e) for n in fields} for g, e in zip(guesses, examples, strict=True)]
    truths = [{n: e.text[slice(*s)] if (s := e.spans.get(n)) else None for n in fields} for e in examples]
    figures = field_figures(predicted, truths, list(fields))
    per_field = {n: FieldReport(sum(t[n] is not None for t in truths), figures[n].precision, figures[n].recall,
                                figures[n].f1, figures[n].hallucination_rate) for n in fields}
    total = figures[ALL_FIELDS]
    return TaggerReport(len(examples), folds, per_field, total.f1, total.hallucination_rate, notes)
