"""A calibrated classifier head over text embeddings: regularised multinomial logistic regression.

Training (``fit_head``):
1. Each embedding is L2-normalised, then standardised with the training set's mean and spread.
2. The regularisation strength ``C`` is chosen from a small grid by stratified k-fold cross-validation
   (k = 5, fewer when a label has fewer examples): the grid value whose out-of-fold predictions have the
   lowest negative log-likelihood after temperature scaling.
3. A temperature is fitted on those out-of-fold predictions, so confidence is calibrated on data the
   model did not see (a model scored on its own training data looks far more sure than it is).
4. The final model is fitted on every example; the standardisation is folded into its weights, so a
   trained head is just ``labels, coef (k x d), intercept (k), temperature``: plain numbers, no code.

The reported cross-validated ECE uses a cross-fitted temperature (each fold's temperature is fitted on
the other folds), so it is an honest estimate rather than the figure the temperature was tuned on.
Logistic regression comes from scikit-learn (lbfgs, multinomial for three or more labels).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.calibration import FloatArray, IntArray, fit_temperature, nll, softmax
from inference.errors import NotEnoughExamples
from inference.metrics import label_metrics

if TYPE_CHECKING:  # scikit-learn is imported when training (it takes a second to load)
    from sklearn.linear_model import LogisticRegression

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_FOLDS = 5
MIN_EXAMPLES = 3  # per label: fewer cannot be cross-validated
FEW_EXAMPLES = 10  # per label: below this, training works but the figures are shaky (a warning)
MAX_ITER = 300


@dataclass(frozen=True)
class Head:
    """A trained head: ``probabilities(embeddings)`` gives calibrated label distributions."""

    labels: tuple[str, ...]
    coef: FloatArray  # (labels, dim), standardisation folded in
    intercept: FloatArray  # (labels,)
    temperature: float
    c: float

    @property
    def dim(self) -> int:
        return int(self.coef.shape[1])

    def logits(self, embeddings: FloatArray) -> FloatArray:
        x = normalize(np.asarray(embeddings, dtype=np.float64))
        result: FloatArray = x @ self.coef.T.astype(np.float64) + self.intercept.astype(np.float64)
        return result

    def probabilities(self, embeddings: FloatArray) -> FloatArray:
        return softmax(self.logits(embeddings) / self.temperature)


@dataclass(frozen=True)
class LabelFigures:
    examples: int
    cv_accuracy: float  # share of this label's examples predicted right out of fold (recall)


@dataclass(frozen=True)
class TrainReport:
    examples: int
    folds: int
    c: float
    temperature: float
    cv_accuracy: float
    cv_ece: float  # with a cross-fitted temperature
    cv_ece_uncalibrated: float
    cv_auroc: float | None
    per_label: dict[str, LabelFigures]
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples, "folds": self.folds, "c": self.c,
            "temperature": round(self.temperature, 4), "cv_accuracy": round(self.cv_accuracy, 4),
            "cv_ece": round(self.cv_ece, 4), "cv_ece_uncalibrated": round(self.cv_ece_uncalibrated, 4),
            "cv_auroc": None if self.cv_auroc is None else round(self.cv_auroc, 4),
            "per_label": {k: {"examples": v.examples, "cv_accuracy": round(v.cv_accuracy, 4)}
                          for k, v in self.per_label.items()},
            "warnings": list(self.warnings), "seconds": round(self.seconds, 3),
        }  # fmt: skip


def normalize(x: FloatArray) -> FloatArray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    result: FloatArray = x / np.maximum(norms, 1e-12)
    return result


def check_counts(labels: tuple[str, ...], y: IntArray) -> tuple[str, ...]:
    """Refuse labels with too few examples; return warnings for labels with few."""
    counts = np.bincount(y, minlength=len(labels))
    empty = [labels[i] for i, n in enumerate(counts) if n == 0]
    if empty:
        raise NotEnoughExamples(f"No examples for the label(s): {', '.join(empty)}. Every label needs at least "
                                f"{MIN_EXAMPLES} examples before the classifier can be trained.")
    short = [f"{labels[i]} ({n})" for i, n in enumerate(counts) if n < MIN_EXAMPLES]
    if short:
        raise NotEnoughExamples(f"Too few examples for: {', '.join(short)}. Every label needs at least "
                                f"{MIN_EXAMPLES} examples (cross-validation needs them).")
    return tuple(f"Only {n} examples for '{labels[i]}': add more (at least {FEW_EXAMPLES}) for reliable "
                 "results." for i, n in enumerate(counts) if n < FEW_EXAMPLES)


def fit_head(
    embeddings: FloatArray, y: IntArray, labels: tuple[str, ...], *, seed: int = 0
) -> tuple[Head, TrainReport]:
    """Train and calibrate a head on ``embeddings`` (n x d) with label indexes ``y`` into ``labels``."""
    if len(labels) < 2:
        raise NotEnoughExamples("A classifier needs at least two labels.")
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these matrices are small, and multi-threaded BLAS on a busy CPU (the model, the
    # UI, other programs) was measured 50x slower (37 s instead of 0.6 s for 1,000 examples).
    with threadpool_limits(limits=1):
        return _fit_head(embeddings, y, labels, seed)


def _fit_head(
    embeddings: FloatArray, y: IntArray, labels: tuple[str, ...], seed: int
) -> tuple[Head, TrainReport]:
    start = time.perf_counter()
    y = np.asarray(y, dtype=np.int64)
    notes = check_counts(labels, y)
    x = normalize(np.asarray(embeddings, dtype=np.float64))
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    splits = _splits(z, y, seed)
    oof = _out_of_fold(z, y, splits, len(labels))
    best = min(C_GRID, key=lambda c: nll(oof[c], y, fit_temperature(oof[c], y)))
    temperature = fit_temperature(oof[best], y)
    with _quiet():
        coef, intercept = _full_rank(_model(best, warm=False).fit(z, y))
    head = Head(labels, (coef / scale).astype(np.float32),
                (intercept - (coef / scale) @ mean).astype(np.float32), temperature, best)
    report = _report(oof[best], y, labels, splits, best, temperature, notes)
    return head, replace(report, seconds=time.perf_counter() - start)


def _splits(z: FloatArray, y: IntArray, seed: int) -> list[tuple[IntArray, IntArray]]:
    from sklearn.model_selection import StratifiedKFold

    folds = int(min(MAX_FOLDS, np.bincount(y).min()))
    return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(z, y))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """lbfgs may stop at ``max_iter`` on nearly separable data; the result is still a good model."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _model(c: float, warm: bool) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=MAX_ITER, warm_start=warm)


def _out_of_fold(
    z: FloatArray, y: IntArray, splits: list[tuple[IntArray, IntArray]], k: int
) -> dict[float, FloatArray]:
    """Out-of-fold logits for every C in the grid (one warm-started model per fold, C ascending)."""
    oof: dict[float, FloatArray] = {c: np.zeros((len(y), k)) for c in C_GRID}
    with _quiet():
        for train, test in splits:
            model = _model(C_GRID[0], warm=True)
            for c in C_GRID:
                model.set_params(C=c)
                model.fit(z[train], y[train])
                coef, intercept = _full_rank(model)
                oof[c][test] = z[test] @ coef.T + intercept
    return oof


def _full_rank(model: LogisticRegression) -> tuple[FloatArray, FloatArray]:
    """(k x d) weights and (k,) biases; scikit-learn keeps one row for two classes, we keep both."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        return np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
    return coef, intercept


def _report(
    logits: FloatArray, y: IntArray, labels: tuple[str, ...], splits: list[tuple[IntArray, IntArray]],
    c: float, temperature: float, notes: tuple[str, ...],
) -> TrainReport:
    calibrated = np.zeros_like(logits)
    for train, test in splits:  # cross-fitted: each fold's temperature comes from the other folds
        calibrated[test] = softmax(logits[test] / fit_temperature(logits[train], y[train]))
    honest = label_metrics(calibrated, y)
    raw = label_metrics(softmax(logits), y)
    predicted = logits.argmax(axis=1)
    per_label = {
        label: LabelFigures(int((y == i).sum()), float((predicted[y == i] == i).mean()))
        for i, label in enumerate(labels)
    }
    return TrainReport(
        examples=len(y), folds=len(splits), c=c, temperature=temperature, cv_accuracy=raw.accuracy,
        cv_ece=honest.ece, cv_ece_uncalibrated=raw.ece, cv_auroc=honest.auroc, per_label=per_label,
        warnings=notes,
    )

