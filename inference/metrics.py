"""Every quality and calibration figure Inhouse reports, computed in one place.

Used by the eval harness (``app/evals.py``), the classifier head's training report, and the benches.
Where a well-kept library has the metric, it is used rather than re-derived: AUROC and Brier from
scikit-learn, Spearman from SciPy, ROUGE-L from Google's ``rouge-score``. Those libraries are imported
inside the functions that need them, so a plain local classify never loads them.

- Calibration of a confidence against right/wrong: ``reliability_bins``, ``expected_calibration_error``
  (equal-width bins, ``ECE_BINS``; bin i holds confidences in (i/B, (i+1)/B], a confidence of exactly 0
  joins the first bin), ``auroc`` (None when one class is empty: the area is undefined), ``brier``,
  ``calibration`` (all of them at once), ``label_metrics`` (the same for label distributions).
- Ranking: ``spearman`` (None for fewer than two points or a constant side).
- Summaries: ``rouge_l`` against one or more references (the best-matching reference counts, with
  Porter stemming, as in the SciTLDR paper's evaluation).
- Extraction: ``field_figures`` per field and over all fields (micro): precision, recall, F1, accuracy and
  the hallucination rate (values emitted where the truth is null, over the fields whose truth is null).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.grounding import normalize

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer

ECE_BINS = 15
ALL_FIELDS = "(all fields)"


def _arrays(confidence: Sequence[float], correct: Sequence[bool]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    ok = np.asarray(correct, dtype=bool).reshape(-1)
    if conf.shape != ok.shape:
        raise ValueError(f"{len(conf)} confidences but {len(ok)} outcomes")
    return conf, ok


def accuracy(correct: Sequence[bool]) -> float:
    """Share of true values (0.0 for an empty sequence)."""
    return float(np.mean(np.asarray(correct, dtype=bool))) if len(correct) else 0.0


@dataclass(frozen=True)
class Bin:
    """One bin of a reliability diagram: confidences in (lo, hi], how many, their mean, their accuracy."""

    lo: float
    hi: float
    count: int
    confidence: float | None
    accuracy: float | None


def reliability_bins(confidence: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> list[Bin]:
    conf, ok = _arrays(confidence, correct)
    index = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        out.append(Bin(b / bins, (b + 1) / bins, count,
                       float(conf[members].mean()) if count else None,
                       float(ok[members].mean()) if count else None))
    return out


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> float:
    """Sum over bins of (share of items in the bin) × |accuracy in the bin − mean confidence in the bin|."""
    n = len(confidence)
    if n == 0:
        return 0.0
    return float(sum(b.count / n * abs(b.accuracy - b.confidence)
                     for b in reliability_bins(confidence, correct, bins)
                     if b.accuracy is not None and b.confidence is not None))


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve of ``scores`` for telling positives from negatives (0.5 = chance; ties
    count half). None when every item is positive or every one negative."""
    s, pos = _arrays(scores, positive)
    if pos.all() or not pos.any():
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(pos.astype(int), s))


def brier(confidence: Sequence[float], correct: Sequence[bool]) -> float:
    """Mean squared difference between confidence and the outcome (0 = perfect)."""
    conf, ok = _arrays(confidence, correct)
    if len(conf) == 0:
        return 0.0
    from sklearn.metrics import brier_score_loss

    return float(brier_score_loss(ok.astype(int), np.clip(conf, 0.0, 1.0), pos_label=1))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None when it is undefined (n < 2 or a constant side)."""
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{len(a)} values against {len(b)}")
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


@dataclass(frozen=True)
class Calibration:
    """How well a confidence tracks right/wrong on a set of answers."""

    n: int
    accuracy: float
    ece: float
    auroc: float | None
    brier: float

    def to_json(self) -> dict[str, Any]:
        return {k: (None if v is None else round(v, 4) if isinstance(v, float) else v)
                for k, v in asdict(self).items()}


def calibration(confidence: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> Calibration:
    return Calibration(len(confidence), accuracy(correct), expected_calibration_error(confidence, correct, bins),
                       auroc(confidence, correct), brier(confidence, correct))


@dataclass(frozen=True)
class LabelMetrics:
    n: int
    accuracy: float
    ece: float
    auroc: float | None

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "ece": round(self.ece, 4),
                "auroc": None if self.auroc is None else round(self.auroc, 4)}


def label_metrics(probs: np.ndarray[Any, Any], y: np.ndarray[Any, Any], bins: int = ECE_BINS) -> LabelMetrics:
    """Accuracy, ECE and confidence AUROC of label distributions (rows of ``probs``) against true labels."""
    probs = np.asarray(probs, dtype=np.float64)
    if len(y) == 0:
        return LabelMetrics(0, 0.0, 0.0, None)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(y)
    return LabelMetrics(len(y), float(correct.mean()), expected_calibration_error(conf, correct, bins),
                        auroc(conf, correct))


# -- summaries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rouge:
    precision: float
    recall: float
    fmeasure: float


@lru_cache(maxsize=1)
def _rouge_scorer() -> RougeScorer:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str, references: Sequence[str] | str) -> Rouge:
    """ROUGE-L of ``prediction`` against the best of ``references`` (by F-measure)."""
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("ROUGE-L needs at least one reference")
    scorer = _rouge_scorer()
    best = max((scorer.score(ref, prediction)["rougeL"] for ref in refs), key=lambda s: s.fmeasure)
    return Rouge(float(best.precision), float(best.recall), float(best.fmeasure))


# -- extraction --------------------------------------------------------------------------------


def emitted(value: Any) -> bool:
    """A value counts as emitted unless it is missing, null or an empty / blank string."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def same_value(predicted: Any, truth: Any) -> bool:
    """Numbers equal to 1e-6; anything else equal after Unicode (NFKC), case and whitespace normalisation."""
    if isinstance(predicted, bool) or isinstance(truth, bool):
        return predicted is truth
    if isinstance(predicted, int | float) and isinstance(truth, int | float):
        return abs(float(predicted) - float(truth)) < 1e-6
    if isinstance(predicted, str) and isinstance(truth, int | float):
        return _as_number(predicted) == float(truth)
    if isinstance(predicted, int | float) and isinstance(truth, str):
        return _as_number(truth) == float(predicted)
    return normalize(str(predicted)) == normalize(str(truth))


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class FieldFigures:
    """One field (or all fields together) over a set of items.

    A right value is a true positive. A wrong value counts twice, as in slot-filling evaluation: a false
    positive (it was emitted) and a false negative (the true value was missed). ``hallucinated`` counts
    values emitted where the truth is null; ``hallucination_rate`` divides it by the items whose truth is
    null (None when there are none). Precision / recall / F1 are None when their denominator is 0.
    """

    field: str
    n: int
    tp: int
    fp: int
    fn: int
    truth_null: int
    hallucinated: int
    correct: int  # right value, or null where the truth is null

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def hallucination_rate(self) -> float | None:
        return self.hallucinated / self.truth_null if self.truth_null else None

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {"field": self.field, "n": self.n, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "truth_null": self.truth_null, "hallucinated": self.hallucinated, "precision": r(self.precision),
                "recall": r(self.recall), "f1": r(self.f1), "hallucination_rate": r(self.hallucination_rate),
                "accuracy": r(self.accuracy)}


def field_outcome(predicted: Any, truth: Any) -> tuple[int, int, int, bool]:
    """(tp, fp, fn, correct) of one field of one item."""
    has_p, has_t = emitted(predicted), emitted(truth)
    if has_p and has_t:
        right = same_value(predicted, truth)
        return int(right), int(not right), int(not right), right
    return 0, int(has_p), int(has_t), not has_p and not has_t


def field_figures(
    predictions: Sequence[Mapping[str, Any] | None], truths: Sequence[Mapping[str, Any]], fields: Sequence[str],
) -> dict[str, FieldFigures]:
    """Figures per field, plus ``ALL_FIELDS`` summed over every field (micro average). A prediction that is
    None (the item failed) emits nothing: its true values are missed, its null truths count as right."""
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} predictions against {len(truths)} truths")
    counts = {f: [0, 0, 0, 0, 0, 0] for f in fields}  # tp fp fn truth_null hallucinated correct
    for pred, truth in zip(predictions, truths, strict=True):
        for f in fields:
            p = pred.get(f) if isinstance(pred, Mapping) else None
            t = truth.get(f)
            tp, fp, fn, right = field_outcome(p, t)
            c = counts[f]
            c[0] += tp
            c[1] += fp
            c[2] += fn
            c[3] += int(not emitted(t))
            c[4] += int(emitted(p) and not emitted(t))
            c[5] += int(right)
    n = len(truths)
    out = {f: FieldFigures(f, n, *c) for f, c in counts.items()}
    total = [sum(c[i] for c in counts.values()) for i in range(6)]
    out[ALL_FIELDS] = FieldFigures(ALL_FIELDS, n * len(fields), *total)
    return out


# -- thresholds --------------------------------------------------------------------------------

GRID = tuple(i / 20 for i in range(21))  # 0.00, 0.05, ... 1.00


@dataclass(frozen=True)
class ThresholdRow:
    """What a threshold would do on an eval set: items below it are escalated, the rest kept local.

    ``kept_accuracy``: share of the kept local answers that are good (None when none are kept);
    ``kept_quality``: their mean quality score (accuracy for labels, field accuracy, ROUGE-L);
    ``combined_*``: kept local answers plus the frontier's for the rest (None without frontier results);
    ``cost_per_message_usd``: frontier cost of the escalated share, per message of the set.
    """

    threshold: float
    escalation_rate: float
    kept_accuracy: float | None
    kept_quality: float | None
    combined_accuracy: float | None
    combined_quality: float | None
    cost_per_message_usd: float | None


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def threshold_table(
    confidence: Sequence[float], good: Sequence[bool], quality: Sequence[float] | None = None, *,
    frontier_good: Sequence[bool] | None = None, frontier_quality: Sequence[float] | None = None,
    frontier_cost: Sequence[float] | None = None, grid: Sequence[float] = GRID,
) -> list[ThresholdRow]:
    n = len(confidence)
    q = [float(x) for x in good] if quality is None else list(quality)
    fq = frontier_quality if frontier_quality is not None else (
        None if frontier_good is None else [float(x) for x in frontier_good])
    rows = []
    for t in grid:
        keep = [i for i in range(n) if confidence[i] >= t]
        send = [i for i in range(n) if confidence[i] < t]
        combined = combined_q = None
        if frontier_good is not None and fq is not None and n:
            combined = (sum(good[i] for i in keep) + sum(frontier_good[i] for i in send)) / n
            combined_q = (sum(q[i] for i in keep) + sum(fq[i] for i in send)) / n
        cost = sum(frontier_cost[i] for i in send) / n if frontier_cost is not None and n else None
        rows.append(ThresholdRow(t, len(send) / n if n else 0.0, _mean([float(good[i]) for i in keep]),
                                 _mean([q[i] for i in keep]), combined, combined_q, cost))
    return rows


def suggest_threshold(rows: Sequence[ThresholdRow], target: float) -> ThresholdRow | None:
    """The lowest threshold whose kept local answers reach ``target`` accuracy (fewest escalations)."""
    for row in rows:
        if row.kept_accuracy is not None and row.kept_accuracy >= target - 1e-9:
            return row
    return None
