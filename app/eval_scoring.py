"""Scoring an eval run, per task, into a report (figures from ``inference.metrics``).

Every item gets a quality score in [0, 1] and a yes/no "good" outcome, so that confidence can be judged
the same way for every task (ECE, AUROC, Brier, the threshold table):

- classify: quality = 1 for the expected label, else 0; good = quality == 1.
- extract: quality = share of the compared fields that are right (a null is right where the truth is null);
  good = every compared field right. Per field: precision, recall, F1, hallucination rate; and the
  per-field confidence against right/wrong emitted values.
- summarize: quality = ROUGE-L F1 against the best of the item's references; good = above the median
  ROUGE-L of the local summaries (the frontier's summaries are held to the same line). Also Spearman of
  confidence against ROUGE-L, and (with consent) the frontier model's judgement on a stated rubric.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.eval_sets import EvalSet
from inference.metrics import (
    ALL_FIELDS,
    Bin,
    Calibration,
    FieldFigures,
    ThresholdRow,
    calibration,
    emitted,
    field_figures,
    field_outcome,
    reliability_bins,
    rouge_l,
    spearman,
    suggest_threshold,
    threshold_table,
)
from inference.tasks.base import Calibration as LabelCalibration

QUALITY_NAMES = {"classify": "accuracy", "extract": "field accuracy", "summarize": "ROUGE-L F1"}
GOOD_MEANS = {
    "classify": "the expected label",
    "extract": "every compared field right",
    "summarize": "ROUGE-L above the median of the local summaries",
}

# what to do when no threshold keeps the local answers good enough: each task's own way to improve them
NO_THRESHOLD_ADVICE = {
    "classify": "escalate everything, or teach the labels by example (`inhouse classifiers create NAME --labels …`)",
    "extract": "escalate everything, or teach the fields by example (`inhouse extractors create NAME --schema FILE`)",
    "summarize": "escalate everything, or accept a lower share of good summaries (--target)",
}


@dataclass(frozen=True)
class ItemResult:
    """One item through one tier; ``fields`` holds extraction's per-field confidences."""

    output: Any
    confidence: float | None
    latency_ms: float
    cost_usd: float = 0.0
    error: str = ""
    fields: Mapping[str, float] | None = None
    calibration: LabelCalibration | None = None  # zero-shot classify: the recalibration the item was scored with


@dataclass(frozen=True)
class ItemScore:
    good: bool
    quality: float


@dataclass(frozen=True)
class TierReport:
    tier: str
    model: str
    n: int
    errors: int
    accuracy: float  # share of good answers
    quality: float  # mean quality score
    mean_latency_ms: float
    cost_per_message_usd: float
    calibration: Calibration | None = None  # confidence vs good; None when the tier gives no confidence
    reliability: list[Bin] = field(default_factory=list)
    spearman: float | None = None  # confidence vs quality
    fields: list[FieldFigures] = field(default_factory=list)  # extract: per field, then all fields
    field_calibration: Calibration | None = None  # extract: emitted fields' confidence vs right value
    rouge_precision: float | None = None  # summarize: means over the items
    rouge_recall: float | None = None


@dataclass(frozen=True)
class JudgeReport:
    """The frontier model's 1-5 judgement of the local summaries on ``rubric``."""

    model: str
    rubric: tuple[tuple[str, str], ...]
    scores: list[int | None]
    mean_score: float | None
    spearman_confidence: float | None  # local confidence vs judge score
    auroc_good: float | None  # local confidence for telling scores >= GOOD_SCORE from the rest
    spearman_rouge: float | None  # the judge against ROUGE-L: do the two quality measures agree?
    cost_usd: float


@dataclass(frozen=True)
class EvalReport:
    name: str
    task: str
    source: str
    n: int
    quality_name: str
    good_means: str
    local: TierReport
    frontier: TierReport | None
    thresholds: list[ThresholdRow]
    target: float
    suggestion: ThresholdRow | None
    cost_basis: str  # "measured" (frontier run), "estimated" (price table) or "unknown"
    items: list[dict[str, Any]] = field(default_factory=list)
    judge: JudgeReport | None = None
    # classify: what backed the local confidence — the label set's recalibration (fitted without this set's
    # own items: ``app.evals.run_local``), none ("uncalibrated") or a trained classifier; None for other tasks
    label_calibration: LabelCalibration | None = None


def score_items(evalset: EvalSet, results: Sequence[ItemResult], median: float | None = None) -> list[ItemScore]:
    """Quality and good/bad per item. ``median`` (summaries): the line for "good"; by default the median
    ROUGE-L of ``results`` themselves."""
    if evalset.task == "classify":
        return [ItemScore(ok, float(ok)) for ok in
                (r.error == "" and isinstance(r.output, str) and r.output.casefold() == str(i.expected).casefold()
                 for r, i in zip(results, evalset.items, strict=True))]
    if evalset.task == "extract":
        out = []
        for r, item in zip(results, evalset.items, strict=True):
            pred = r.output if isinstance(r.output, Mapping) else {}
            right = [field_outcome(pred.get(f), (item.expected or {}).get(f))[3] for f in evalset.compare]
            out.append(ItemScore(all(right), sum(right) / len(right)))
        return out
    quality = [rouge_l(r.output, item.expected).fmeasure if isinstance(r.output, str) and r.output.strip() else 0.0
               for r, item in zip(results, evalset.items, strict=True)]
    line = statistics.median(quality) if median is None else median
    return [ItemScore(q > line, q) for q in quality]


def summary_median(evalset: EvalSet, local: Sequence[ItemResult]) -> float | None:
    if evalset.task != "summarize":
        return None
    return statistics.median(s.quality for s in score_items(evalset, local))


def tier_report(tier: str, model: str, evalset: EvalSet, results: Sequence[ItemResult],
                scores: Sequence[ItemScore]) -> TierReport:
    n = len(results)
    good = [s.good for s in scores]
    quality = [s.quality for s in scores]
    report = TierReport(
        tier=tier, model=model, n=n, errors=sum(1 for r in results if r.error),
        accuracy=sum(good) / n, quality=sum(quality) / n,
        mean_latency_ms=sum(r.latency_ms for r in results) / n,
        cost_per_message_usd=sum(r.cost_usd for r in results) / n,
    )
    extra: dict[str, Any] = {}
    if all(r.confidence is not None for r in results):
        conf = [float(r.confidence or 0.0) for r in results]
        extra.update(calibration=calibration(conf, good), reliability=reliability_bins(conf, good),
                     spearman=spearman(conf, quality))
    if evalset.task == "extract":
        preds = [r.output if isinstance(r.output, Mapping) else None for r in results]
        figs = field_figures(preds, [i.expected or {} for i in evalset.items], evalset.compare)
        extra["fields"] = [figs[f] for f in evalset.compare] + [figs[ALL_FIELDS]]
        extra["field_calibration"] = _field_calibration(evalset, results)
    if evalset.task == "summarize":
        rouges = [rouge_l(r.output, i.expected) for r, i in zip(results, evalset.items, strict=True)
                  if isinstance(r.output, str) and r.output.strip()]
        if rouges:
            extra.update(rouge_precision=sum(x.precision for x in rouges) / n,
                         rouge_recall=sum(x.recall for x in rouges) / n)
    return TierReport(**{**report.__dict__, **extra})


def _field_calibration(evalset: EvalSet, results: Sequence[ItemResult]) -> Calibration | None:
    """Each emitted value's own confidence against whether the value is right (a value where the truth is
    null is wrong)."""
    conf, right = [], []
    for r, item in zip(results, evalset.items, strict=True):
        if not isinstance(r.output, Mapping) or not r.fields:
            continue
        for f in evalset.compare:
            value = r.output.get(f)
            if emitted(value) and f in r.fields:
                conf.append(float(r.fields[f]))
                right.append(field_outcome(value, (item.expected or {}).get(f))[0] == 1)
    return calibration(conf, right) if conf else None


def build_report(
    evalset: EvalSet, local_model: str, local: Sequence[ItemResult],
    frontier: tuple[Sequence[ItemResult], str] | None, target: float,
    estimated_cost: Sequence[float] | None = None, judge: JudgeReport | None = None,
) -> EvalReport:
    """Score both tiers, the threshold table (frontier cost measured when it ran, else estimated) and the
    suggested threshold: the lowest keeping local answers as good as the frontier's (or ``target``)."""
    median = summary_median(evalset, local)
    local_scores = score_items(evalset, local, median)
    local_report = tier_report("local", local_model, evalset, local, local_scores)
    frontier_report, frontier_scores = None, None
    if frontier is not None:
        frontier_scores = score_items(evalset, frontier[0], median)
        frontier_report = tier_report("frontier", frontier[1], evalset, frontier[0], frontier_scores)
    costs = [r.cost_usd for r in frontier[0]] if frontier else estimated_cost
    rows = threshold_table(
        [r.confidence or 0.0 for r in local], [s.good for s in local_scores], [s.quality for s in local_scores],
        frontier_good=[s.good for s in frontier_scores] if frontier_scores else None,
        frontier_quality=[s.quality for s in frontier_scores] if frontier_scores else None,
        frontier_cost=costs,
    )
    goal = frontier_report.accuracy if frontier_report else target
    basis = "measured" if frontier else "estimated" if estimated_cost is not None else "unknown"
    items = _item_rows(local, local_scores, frontier[0] if frontier else None, frontier_scores, judge)
    return EvalReport(evalset.name, evalset.task, evalset.source, len(local), QUALITY_NAMES[evalset.task],
                      GOOD_MEANS[evalset.task], local_report, frontier_report, rows, goal,
                      suggest_threshold(rows, goal), basis, items, judge, _label_calibration(local))


def _label_calibration(local: Sequence[ItemResult]) -> LabelCalibration | None:
    """What backed the classify answers' confidence: the zero-shot recalibration they were scored with (one
    fit per run, the same for every item) or a trained classifier."""
    return next((r.calibration for r in local if r.calibration is not None), None)


def _item_rows(local: Sequence[ItemResult], scores: Sequence[ItemScore], frontier: Sequence[ItemResult] | None,
               frontier_scores: Sequence[ItemScore] | None, judge: JudgeReport | None) -> list[dict[str, Any]]:
    rows = []
    for i, (r, s) in enumerate(zip(local, scores, strict=True)):
        row: dict[str, Any] = {"index": i, "output": r.output, "confidence": r.confidence, "good": s.good,
                               "quality": round(s.quality, 4), "error": r.error}
        if r.fields:
            row["field_confidence"] = {k: round(v, 4) for k, v in r.fields.items()}
        if frontier is not None and frontier_scores is not None:
            row["frontier"] = {"output": frontier[i].output, "good": frontier_scores[i].good,
                               "quality": round(frontier_scores[i].quality, 4), "error": frontier[i].error}
        if judge is not None:
            row["judge_score"] = judge.scores[i]
        rows.append(row)
    return rows
