"""Temperature scaling and the classifier head, on synthetic data (no model). The metrics: test_metrics.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from inference.calibration import fit_temperature, softmax
from inference.classifier_head import fit_head
from inference.errors import NotEnoughExamples
from inference.metrics import label_metrics


def test_fit_temperature_recovers_the_true_temperature() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, size=(5_000, 5))
    y = np.array([rng.choice(5, p=p) for p in softmax(logits / 2.5)])
    assert fit_temperature(logits, y) == pytest.approx(2.5, rel=0.1)


def clusters(n_per: int, k: int, dim: int = 32, spread: float = 1.0, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(k, dim))
    x = np.concatenate([c + rng.normal(0, spread, size=(n_per, dim)) for c in centres])
    return x.astype(np.float32), np.repeat(np.arange(k), n_per)


def test_head_is_accurate_and_calibrated_on_held_out_data() -> None:
    x, y = clusters(360, 4, spread=2.0)
    train = np.arange(len(y)) % 360 < 60  # 60 per label to train on, 300 per label held out
    head, report = fit_head(x[train], y[train], ("a", "b", "c", "d"))
    held = label_metrics(head.probabilities(x[~train]), y[~train])
    uncalibrated = label_metrics(replace(head, temperature=1.0).probabilities(x[~train]), y[~train])
    assert 0.8 < held.accuracy < 1.0  # overlapping clusters: mistakes happen, so calibration matters
    assert held.ece < 0.04 < 0.1 < uncalibrated.ece  # the fitted temperature is what calibrates it
    assert held.auroc is not None and held.auroc > 0.8
    assert report.cv_accuracy == pytest.approx(held.accuracy, abs=0.08)
    assert report.cv_ece < 0.08  # the cross-fitted estimate agrees with held-out data
    assert set(report.per_label) == {"a", "b", "c", "d"} and report.folds == 5
    assert head.coef.shape == (4, 32) and head.coef.dtype == np.float32


def test_two_labels_give_a_full_distribution() -> None:
    x, y = clusters(20, 2, spread=0.5)
    head, _ = fit_head(x, y, ("yes", "no"))
    probs = head.probabilities(x)
    assert probs.shape == (40, 2) and np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == y).mean() > 0.95


def test_labels_without_enough_examples_are_refused() -> None:
    x, y = clusters(5, 3)
    with pytest.raises(NotEnoughExamples, match="No examples for the label.*: c"):
        fit_head(x[y < 2], y[y < 2], ("a", "b", "c"))
    keep = (y < 2) | (np.arange(len(y)) == 10)  # one example of "c"
    with pytest.raises(NotEnoughExamples, match=r"c \(1\)"):
        fit_head(x[keep], y[keep], ("a", "b", "c"))
    _, report = fit_head(x, y, ("a", "b", "c"))
    assert len(report.warnings) == 3 and "add more" in report.warnings[0]
