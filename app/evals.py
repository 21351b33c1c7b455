"""The eval harness: the same eval set through the local model and (with consent) the frontier model.

Reports quality, confidence calibration (ECE, AUROC, Brier) and cost per message side by side, and
suggests a per-task threshold: the lowest confidence at which the local answers kept are as accurate as
the target (the frontier's measured accuracy when it ran, else ``--target``).

Eval set: a JSON file ``{"name", "task", "labels" | "schema" | "max_words", "items": [{"text", "expected"}]}``
(see resources/eval/). Extract items compare the fields listed in ``compare``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.assistant import Assistant
from app.consent import ConsentGate, ConsentRequest
from app.router import Action, RouterState, decide
from inference.errors import InhouseError, InputInvalid
from inference.frontier import estimate
from inference.grounding import normalize
from inference.metrics import ThresholdRow, auroc, brier, expected_calibration_error, suggest_threshold, threshold_table
from inference.prices import PriceTable
from inference.tasks.base import ClassifySpec, ExtractSpec, SummarizeSpec, TaskRequest, TaskSpec

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvalItem:
    text: str
    expected: Any


@dataclass(frozen=True)
class EvalSet:
    name: str
    spec: TaskSpec
    items: tuple[EvalItem, ...]
    compare: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class ItemResult:
    output: Any
    correct: bool
    confidence: float | None
    latency_ms: float
    cost_usd: float = 0.0
    error: str = ""


@dataclass(frozen=True)
class TierReport:
    tier: str
    model: str
    n: int
    accuracy: float
    errors: int
    mean_latency_ms: float
    cost_per_message_usd: float
    ece: float | None = None
    auroc: float | None = None
    brier: float | None = None


@dataclass(frozen=True)
class EvalReport:
    name: str
    task: str
    local: TierReport
    frontier: TierReport | None
    thresholds: list[ThresholdRow] = field(default_factory=list)
    target: float = 0.9
    suggestion: ThresholdRow | None = None


def load_eval_set(path: Path) -> EvalSet:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        task = doc["task"]
        spec: TaskSpec
        if task == "classify":
            spec = ClassifySpec(labels=tuple(doc["labels"]),
                                descriptions=tuple(doc.get("descriptions", {}).items()))
        elif task == "extract":
            spec = ExtractSpec(schema=doc["schema"])
        elif task == "summarize":
            spec = SummarizeSpec(max_words=int(doc.get("max_words", 60)))
        else:
            raise KeyError(f"task {task!r}")
        items = tuple(EvalItem(str(i["text"]), i.get("expected")) for i in doc["items"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputInvalid(f"{path} is not a usable eval set: {err}",
                           hint="See resources/eval/sentiment.json for the format.") from err
    if not items:
        raise InputInvalid(f"{path} has no items.")
    return EvalSet(doc.get("name", Path(path).stem), spec, items, tuple(doc.get("compare", ())), doc.get("source", ""))


def is_correct(evalset: EvalSet, output: Any, expected: Any) -> bool:
    if expected is None:
        return False
    if isinstance(evalset.spec, ClassifySpec):
        return isinstance(output, str) and output.casefold() == str(expected).casefold()
    if isinstance(evalset.spec, ExtractSpec):
        keys = evalset.compare or tuple(expected)
        return isinstance(output, dict) and all(_same(output.get(k), expected.get(k)) for k in keys)
    return isinstance(output, str) and normalize(str(expected)) in normalize(output)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-6
    return normalize(str(a)) == normalize(str(b))


def run_local(assistant: Assistant, evalset: EvalSet, progress: Progress | None = None) -> list[ItemResult]:
    results = []
    for n, item in enumerate(evalset.items, 1):
        start = time.perf_counter()
        try:
            res = assistant.host.run(TaskRequest(item.text, evalset.spec))
            results.append(ItemResult(res.output, is_correct(evalset, res.output, item.expected), res.confidence,
                                      res.latency_ms))
        except InhouseError as err:
            results.append(ItemResult(None, False, 0.0, (time.perf_counter() - start) * 1000, error=str(err)))
        if progress:
            progress(n, len(evalset.items))
    return results


def frontier_consent(assistant: Assistant, evalset: EvalSet, gate: ConsentGate) -> str | None:
    """Ask once for the whole set (policy first). Returns the consent label, or None with nothing sent."""
    policy = assistant.effective.policy
    model = policy.escalation.model
    first = TaskRequest(assistant._redact(evalset.items[0].text).text, evalset.spec)
    prices = PriceTable.load()  # once, not per item
    total = sum(estimate(TaskRequest(i.text, evalset.spec), model, policy.escalation.max_output_tokens,
                         prices=prices).cost_usd for i in evalset.items)
    state = RouterState(assistant.store.month_spend(), total, bool(assistant.key_source()), assistant.online)
    decision = decide(evalset.spec.task, 0.0, policy, state, model)
    if decision.action in (Action.DENY, Action.QUEUE):
        raise InputInvalid(f"The frontier run is not possible: {decision.reason}")
    if decision.action == Action.ESCALATE:
        return "auto"
    provider = assistant.provider_factory(assistant.key_source() or "")
    payload = provider.build_payload(first, model=model, max_output_tokens=policy.escalation.max_output_tokens)
    est = estimate(first, model, policy.escalation.max_output_tokens, prices=prices)
    answer = gate.ask(ConsentRequest(
        task=evalset.spec.task, text=first.text, payload=payload, highlights=(), provider=provider.name,
        model=model, estimated_input_tokens=est.input_tokens * len(evalset.items),
        estimated_output_tokens=est.output_tokens * len(evalset.items), estimated_cost_usd=total,
        max_cost_usd=est.max_cost_usd * len(evalset.items),
        reason=f"evaluation: send all {len(evalset.items)} messages of '{evalset.name}' (the first is shown; "
               "each is redacted the same way)", allow_session=False,
    ))
    return answer.choice.value if answer.allowed else None


def run_frontier(assistant: Assistant, evalset: EvalSet, consent: str,
                 progress: Progress | None = None) -> tuple[list[ItemResult], str]:
    results, model = [], assistant.effective.policy.escalation.model
    for n, item in enumerate(evalset.items, 1):
        start = time.perf_counter()
        try:
            output, summary = assistant.ask_frontier(TaskRequest(item.text, evalset.spec), consent)
            model = summary.model
            results.append(ItemResult(output, is_correct(evalset, output, item.expected), None, summary.latency_ms,
                                      summary.cost_usd))
        except InhouseError as err:
            results.append(ItemResult(None, False, None, (time.perf_counter() - start) * 1000, error=str(err)))
        if progress:
            progress(n, len(evalset.items))
    return results, model


def tier_report(tier: str, model: str, results: list[ItemResult]) -> TierReport:
    n = len(results)
    correct = [r.correct for r in results]
    report = TierReport(tier, model, n, sum(correct) / n, sum(1 for r in results if r.error),
                        sum(r.latency_ms for r in results) / n, sum(r.cost_usd for r in results) / n)
    confs = [r.confidence for r in results]
    if all(c is not None for c in confs):
        values = [float(c) for c in confs if c is not None]
        report = TierReport(**{**report.__dict__, "ece": expected_calibration_error(values, correct),
                               "auroc": auroc(values, correct), "brier": brier(values, correct)})
    return report


def build_report(evalset: EvalSet, local_model: str, local: list[ItemResult],
                 frontier: tuple[list[ItemResult], str] | None, target: float) -> EvalReport:
    local_report = tier_report("local", local_model, local)
    frontier_report = tier_report("frontier", frontier[1], frontier[0]) if frontier else None
    confs = [r.confidence or 0.0 for r in local]
    rows = threshold_table(confs, [r.correct for r in local],
                           frontier_good=[r.correct for r in frontier[0]] if frontier else None,
                           frontier_cost=[r.cost_usd for r in frontier[0]] if frontier else None)
    goal = frontier_report.accuracy if frontier_report else target
    return EvalReport(evalset.name, evalset.spec.task, local_report, frontier_report, rows, goal,
                      suggest_threshold(rows, goal))
