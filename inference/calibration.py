"""Calibration metrics and temperature scaling for label distributions.

- ``softmax`` / ``log_softmax`` over the last axis, numerically stable.
- ``fit_temperature(logits, y)``: the T > 0 that minimises the negative log-likelihood of
  ``softmax(logits / T)`` (Guo et al., 2017). One parameter, so it cannot change which label wins.
- ``expected_calibration_error``: ECE over equal-width bins of the top probability (15 bins):
  sum over bins of (bin share) * |accuracy in bin - mean confidence in bin|.
- ``confidence_auroc``: how well the confidence separates correct from incorrect predictions
  (area under the ROC curve with "prediction correct" as the positive class; 0.5 = no better than chance).
  ``None`` when every prediction is right, or every one wrong (the area is then undefined).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.floating[Any]]]
IntArray = np.ndarray[Any, np.dtype[np.integer[Any]]]

ECE_BINS = 15
_LOG_T_BOUNDS = (-4.0, 4.0)  # T between ~0.018 and ~55


def log_softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    result: FloatArray = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return result


def softmax(logits: FloatArray) -> FloatArray:
    result: FloatArray = np.exp(log_softmax(logits))
    return result


def nll(logits: FloatArray, y: IntArray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the true labels under ``softmax(logits / temperature)``."""
    logp = log_softmax(logits / temperature)
    return float(-logp[np.arange(len(y)), y].mean())


def fit_temperature(logits: FloatArray, y: IntArray) -> float:
    """The temperature that minimises the NLL of ``y`` (searched on log T, bounded)."""
    if len(y) == 0:
        return 1.0
    from scipy.optimize import minimize_scalar  # imported when used: scipy takes ~0.4 s to load

    found = minimize_scalar(
        lambda log_t: nll(logits, y, float(np.exp(log_t))), bounds=_LOG_T_BOUNDS, method="bounded"
    )
    return float(np.exp(found.x))


def expected_calibration_error(probs: FloatArray, y: IntArray, bins: int = ECE_BINS) -> float:
    if len(y) == 0:
        return 0.0
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    # bin i holds confidences in (edge_i, edge_i+1]; a confidence of exactly 0 joins the first bin
    index = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            total += members.mean() * abs(correct[members].mean() - conf[members].mean())
    return float(total)


def confidence_auroc(confidence: FloatArray, correct: np.ndarray[Any, np.dtype[np.bool_]]) -> float | None:
    """AUROC of ``confidence`` for telling correct predictions (positives) from incorrect ones."""
    n_pos = int(correct.sum())
    n_neg = len(correct) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(confidence)  # ties get their average rank (Mann-Whitney U)
    return float((ranks[correct].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class Metrics:
    n: int
    accuracy: float
    ece: float
    auroc: float | None

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "ece": round(self.ece, 4),
                "auroc": None if self.auroc is None else round(self.auroc, 4)}


def metrics(probs: FloatArray, y: IntArray) -> Metrics:
    """Accuracy, ECE and confidence AUROC of a batch of label distributions against the true labels."""
    correct = probs.argmax(axis=1) == y
    return Metrics(
        n=len(y),
        accuracy=float(correct.mean()) if len(y) else 0.0,
        ece=expected_calibration_error(probs, y),
        auroc=confidence_auroc(probs.max(axis=1), correct),
    )
