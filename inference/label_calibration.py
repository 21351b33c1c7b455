"""Recalibrating zero-shot label scores from evidence: a temperature and a bias per label.

Zero-shot label scoring by a small model is calibrated for some label sets and inverted for others (it
can favour one label whatever the text says, with high confidence). Given evidence — texts whose right
label is known, with the zero-shot probabilities the model gave them — ``fit`` finds

    p'(label) = softmax(log p(label) / T + b[label])

by maximum a posteriori: the negative log-likelihood of the evidence plus a Gaussian prior that keeps
``log T`` and the biases near 0, so a handful of examples moves them only a little (``PRIOR_WEIGHT``).
The bias can change which label wins (a label the model over-predicts is pushed down); the temperature
sets how sure the answers are. ``cross_validated`` fits on k-1 folds and predicts the held-out fold, so the
figures a calibration reports (accuracy, ECE, AUROC) are measured on evidence it was not fitted on.

Chosen by held-out measurement on BANKING77 label sets that no eval set uses (bench/bench_zero_shot.py,
``--choose``): see ARCHITECTURE.md for the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.calibration import FloatArray, IntArray, log_softmax
from inference.metrics import label_metrics

PRIOR_WEIGHT = 1.0  # strength of the N(0, 1) prior on log T and on each bias, in units of one example
MIN_PROB = 1e-6
MAX_FOLDS = 5


@dataclass(frozen=True)
class LabelCalibrator:
    labels: tuple[str, ...]
    temperature: float
    bias: tuple[float, ...]

    def apply(self, probabilities: Mapping[str, float]) -> dict[str, float]:
        """Recalibrated probabilities for a zero-shot distribution over the same labels (any order)."""
        logp = _log_probs(np.array([[probabilities[label] for label in self.labels]]))
        out = _transform(logp, self.temperature, np.array(self.bias))[0]
        return {label: float(p) for label, p in zip(self.labels, out, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "temperature": self.temperature, "bias": list(self.bias)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabelCalibrator:
        labels = tuple(str(label) for label in data["labels"])
        bias = tuple(float(b) for b in data["bias"])
        temperature = float(data["temperature"])
        if len(bias) != len(labels) or not (math.isfinite(temperature) and temperature > 0):
            raise ValueError("calibrator: one bias per label and a positive temperature are needed")
        return cls(labels, temperature, bias)


@dataclass(frozen=True)
class HeldOut:
    """Figures of cross-validated predictions (each item predicted by a fit that did not see it)."""

    n: int
    folds: int
    accuracy: float
    ece: float
    auroc: float | None
    accuracy_before: float
    auroc_before: float | None

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _log_probs(probs: FloatArray) -> FloatArray:
    result: FloatArray = np.log(np.clip(probs, MIN_PROB, 1.0))
    return result


def _transform(logp: FloatArray, temperature: float, bias: FloatArray) -> FloatArray:
    result: FloatArray = np.exp(log_softmax(logp / temperature + bias))
    return result


def fit(labels: Sequence[str], probs: FloatArray, y: IntArray) -> LabelCalibrator:
    """The MAP temperature and per-label biases for zero-shot ``probs`` (n x K) with true label indexes ``y``."""
    from scipy.optimize import minimize  # imported when used: scipy takes ~0.4 s to load

    k = len(labels)
    logp = _log_probs(np.asarray(probs, dtype=float))
    rows = np.arange(len(y))

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        log_t, bias = theta[0], theta[1:]
        t = math.exp(log_t)
        z = logp / t + bias
        lsm = log_softmax(z)
        p = np.exp(lsm)
        onehot = np.zeros_like(p)
        onehot[rows, y] = 1.0
        loss = -float(lsm[rows, y].sum()) + 0.5 * PRIOR_WEIGHT * float(theta @ theta)
        dz = p - onehot  # d loss / d z, per row
        grad_bias = dz.sum(axis=0) + PRIOR_WEIGHT * bias
        grad_log_t = float((dz * (-logp / t)).sum()) + PRIOR_WEIGHT * log_t
        return loss, np.concatenate([[grad_log_t], grad_bias])

    start = np.zeros(k + 1)
    found = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(-4.0, 4.0)] + [(-10.0, 10.0)] * k)
    theta = found.x
    return LabelCalibrator(tuple(labels), float(math.exp(theta[0])), tuple(float(b) for b in theta[1:]))


def folds_for(y: IntArray, seed: int = 0) -> list[IntArray]:
    """Up to ``MAX_FOLDS`` folds, each label's items dealt round-robin after a seeded shuffle."""
    n_folds = max(2, min(MAX_FOLDS, len(y) // 4))
    rng = np.random.default_rng(seed)
    assignment = np.zeros(len(y), dtype=int)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        offset = int(rng.integers(n_folds))
        assignment[members] = (np.arange(len(members)) + offset) % n_folds
    return [np.flatnonzero(assignment == f) for f in range(n_folds)]


def cross_validated(labels: Sequence[str], probs: FloatArray, y: IntArray, seed: int = 0) -> tuple[FloatArray, int]:
    """Out-of-fold recalibrated probabilities (each fold predicted by a fit on the others) and the fold count."""
    probs = np.asarray(probs, dtype=float)
    out = np.zeros_like(probs)
    folds = folds_for(y, seed)
    for held in folds:
        train = np.setdiff1d(np.arange(len(y)), held)
        calibrator = fit(labels, probs[train], y[train])
        out[held] = _transform(_log_probs(probs[held]), calibrator.temperature, np.array(calibrator.bias))
    return out, len(folds)


def held_out(labels: Sequence[str], probs: FloatArray, y: IntArray, seed: int = 0) -> HeldOut:
    oof, n_folds = cross_validated(labels, probs, y, seed)
    after, before = label_metrics(oof, y), label_metrics(np.asarray(probs, dtype=float), y)
    return HeldOut(len(y), n_folds, after.accuracy, after.ece, after.auroc, before.accuracy, before.auroc)
