"""Quality and calibration numbers for the eval harness: accuracy, ECE, AUROC, Brier, thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    n = len(confidences)
    if n == 0:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidences) if lo < c <= hi or (b == 0 and c == 0.0)]
        if idx:
            acc = sum(correct[i] for i in idx) / len(idx)
            conf = sum(confidences[i] for i in idx) / len(idx)
            total += len(idx) / n * abs(acc - conf)
    return total


def auroc(confidences: Sequence[float], correct: Sequence[bool]) -> float | None:
    """How well confidence separates right from wrong answers (0.5 = chance); None if one class is empty."""
    pos = [c for c, ok in zip(confidences, correct, strict=True) if ok]
    neg = [c for c, ok in zip(confidences, correct, strict=True) if not ok]
    if not pos or not neg:
        return None
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def brier(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    if not confidences:
        return 0.0
    return sum((c - float(ok)) ** 2 for c, ok in zip(confidences, correct, strict=True)) / len(confidences)


GRID = tuple(i / 20 for i in range(21))  # 0.00, 0.05, ... 1.00


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    escalation_rate: float  # share of messages below the threshold
    kept_accuracy: float | None  # accuracy of the local answers kept (None when none are kept)
    combined_accuracy: float | None  # kept local + frontier for the rest (None without frontier results)
    cost_per_message_usd: float | None


def threshold_table(
    confidences: Sequence[float], local_correct: Sequence[bool],
    frontier_correct: Sequence[bool] | None = None, frontier_cost: Sequence[float] | None = None,
    grid: Sequence[float] = GRID,
) -> list[ThresholdRow]:
    n = len(confidences)
    rows = []
    for t in grid:
        keep = [i for i in range(n) if confidences[i] >= t]
        send = [i for i in range(n) if confidences[i] < t]
        kept = sum(local_correct[i] for i in keep) / len(keep) if keep else None
        combined = cost = None
        if frontier_correct is not None and frontier_cost is not None and n:
            combined = (sum(local_correct[i] for i in keep) + sum(frontier_correct[i] for i in send)) / n
            cost = sum(frontier_cost[i] for i in send) / n
        rows.append(ThresholdRow(t, len(send) / n if n else 0.0, kept, combined, cost))
    return rows


def suggest_threshold(rows: Sequence[ThresholdRow], target: float) -> ThresholdRow | None:
    """The lowest threshold whose kept local answers reach ``target`` accuracy (fewest escalations)."""
    for row in rows:
        if row.kept_accuracy is not None and row.kept_accuracy >= target:
            return row
    return None
