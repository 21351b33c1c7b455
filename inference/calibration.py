"""Temperature scaling for label distributions (the figures that judge it are in ``inference.metrics``).

- ``softmax`` / ``log_softmax`` over the last axis, numerically stable.
- ``fit_temperature(logits, y)``: the T > 0 that minimises the negative log-likelihood of
  ``softmax(logits / T)`` (Guo et al., 2017). One parameter, so it cannot change which label wins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.floating[Any]]]
IntArray = np.ndarray[Any, np.dtype[np.integer[Any]]]

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
