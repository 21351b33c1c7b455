"""The eval harness: an eval set through the local model and, with consent, the frontier model.

1. ``load_eval_set`` (``app/eval_sets.py``) checks the whole file first: a bad set is one clear error.
2. ``run_local``: every item through the local tier (``EngineHost.run``: trained heads included).
3. ``frontier_consent``: one question for everything that would leave (the frontier run of the set
   and/or the judging of the local summaries), after the policy (a denied or queued decision sends
   nothing). Each request then goes through ``Assistant.ask_frontier``: same redaction, permit, audit.
4. ``run_frontier`` / ``run_judge``; ``build_report`` (``app/eval_scoring.py``) scores each task properly.

The judge: the frontier model rates each local summary 1-5 against its source on ``JUDGE_RUBRIC``, sent
as a classification whose labels are the scores and whose descriptions are the rubric.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from app.assistant import Assistant
from app.consent import ConsentGate, ConsentRequest
from app.eval_scoring import EvalReport, ItemResult, JudgeReport, build_report, score_items, summary_median
from app.eval_sets import EvalItem, EvalSet, EvalSetInvalid, load_eval_set
from app.hops import consent_without_asking
from app.label_calibration import text_hash
from app.router import DecisionKind, RouterState, decide
from inference.errors import InhouseError, InputInvalid
from inference.metrics import auroc, spearman
from inference.prices import PriceTable
from inference.providers import Provider, estimate
from inference.tasks.base import ClassifySpec, TaskRequest

__all__ = [
    "EvalItem", "EvalReport", "EvalSet", "EvalSetInvalid", "ItemResult", "JUDGE_RUBRIC", "build_report",
    "estimated_costs", "frontier_consent", "judge_requests", "judge_report", "load_eval_set", "run_frontier",
    "run_judge", "run_local",
]

Progress = Callable[[int, int], None]

JUDGE_RUBRIC: tuple[tuple[str, str], ...] = (
    ("5", "The SUMMARY states the SOURCE's main point, and everything it says is supported by the SOURCE."),
    ("4", "Everything in the SUMMARY is supported by the SOURCE, but it misses part of the main point "
          "or spends words on minor details."),
    ("3", "The SUMMARY is vague or incomplete, or has one minor detail the SOURCE does not support."),
    ("2", "The SUMMARY misses the main point, or states something (a number, a name, a claim) that the "
          "SOURCE contradicts or does not contain."),
    ("1", "The SUMMARY is unrelated to the SOURCE, unreadable, or mostly invented."),
)
JUDGE_SPEC = ClassifySpec(labels=tuple(score for score, _ in JUDGE_RUBRIC), descriptions=JUDGE_RUBRIC)
GOOD_SCORE = 4  # judge scores at or above this count as good summaries


def run_local(assistant: Assistant, evalset: EvalSet, progress: Progress | None = None) -> list[ItemResult]:
    """Every item through the local tier. A zero-shot classify set is scored with its label set's
    recalibration fitted WITHOUT the set's own items (evidence whose text hash is one of theirs is left
    out; uncalibrated when nothing else is left), so running a set again gives the same figures. Its
    items, with their expected labels, then become calibration evidence for the label set
    (``EngineHost.record_evidence``): for ``inhouse classify``, never for scoring this set."""
    results, evidence = [], []
    own = frozenset(text_hash(item.text) for item in evalset.items)
    for n, item in enumerate(evalset.items, 1):
        start = time.perf_counter()
        try:
            res = assistant.host.run(TaskRequest(item.text, evalset.spec), calibrate_without=own)
            fields = {k: f.confidence for k, f in res.fields.items()} if res.fields else None
            results.append(ItemResult(res.output, res.confidence, res.latency_ms, fields=fields,
                                      calibration=res.calibration))
            if res.calibration is not None and res.calibration.zero_shot is not None and item.expected:
                evidence.append((item.text, str(item.expected), res.calibration.zero_shot))
        except InhouseError as err:
            results.append(ItemResult(None, 0.0, (time.perf_counter() - start) * 1000, error=str(err)))
        if progress:
            progress(n, len(evalset.items))
    if evidence and isinstance(evalset.spec, ClassifySpec):
        assistant.host.record_evidence(evalset.spec, [(t, y) for t, y, _ in evidence], "eval",
                                       [p for _, _, p in evidence])
    return results


def judge_requests(evalset: EvalSet, local: Sequence[ItemResult]) -> list[TaskRequest]:
    """One judging request per local summary: the source and the summary, to be rated on the rubric."""
    if evalset.task != "summarize":
        raise InputInvalid("Only summaries are judged by the frontier model.",
                           hint="Classification and extraction are scored against the expected answers.")
    return [TaskRequest(f"SOURCE:\n{item.text}\n\nSUMMARY:\n{result.output or '(no summary)'}", JUDGE_SPEC)
            for item, result in zip(evalset.items, local, strict=True)]


def _planned(evalset: EvalSet, frontier: bool, judge: Sequence[TaskRequest]) -> list[TaskRequest]:
    own = [TaskRequest(i.text, evalset.spec) for i in evalset.items] if frontier else []
    return own + list(judge)


def _destination(provider: Provider) -> str:
    from app.sending import destination_label  # not at import: app.sending is only for what leaves

    return destination_label(provider)


def frontier_consent(assistant: Assistant, evalset: EvalSet, gate: ConsentGate, *, frontier: bool = True,
                     judge: Sequence[TaskRequest] = ()) -> str | None:
    """Ask once for everything that would be sent to the cloud tier (policy first). The consent label, or
    None: nothing sent."""
    requests = _planned(evalset, frontier, judge)
    if not requests:
        raise InputInvalid("Nothing to send to the frontier model.")
    cloud = assistant.tiers()[-1]
    model, max_out = cloud.model, cloud.max_output_tokens
    prices = PriceTable.load()  # once, not per item
    estimates = [estimate(cloud.provider, r, model=model, max_output_tokens=max_out, prices=prices) for r in requests]
    total = sum(e.cost_usd for e in estimates)
    state = RouterState(assistant.store.month_spend(), total, bool(assistant.key_source(cloud.kind)),
                        cloud.kind not in assistant.unreachable, audit_available=not assistant.store_problem)
    decision = decide(requests[0].task, 0.0, assistant.tiers()[0], cloud, state)
    if decision.kind in (DecisionKind.DENY, DecisionKind.QUEUE):
        raise InputInvalid(f"The frontier run is not possible: {decision.reason}")
    if decision.kind is DecisionKind.NEXT_TIER:
        return consent_without_asking(decision).value
    first = requests[0]
    shown = assistant._sendable(first, cloud.redact)[1]
    provider = assistant.provider_factory(cloud, assistant.key_source(cloud.kind) or "")
    payload = provider.build_payload(shown, model=model, max_output_tokens=max_out)
    provider.close()
    answer = gate.ask(ConsentRequest(
        task=first.task, text=shown.text, payload=payload, highlights=(), provider=provider.name, model=model,
        estimated_input_tokens=sum(e.input_tokens for e in estimates),
        estimated_output_tokens=sum(e.output_tokens for e in estimates), estimated_cost_usd=total,
        max_cost_usd=sum(e.max_cost_usd for e in estimates), reason=_reason(evalset, frontier, len(judge)),
        allow_session=False, destination=_destination(provider), tier=cloud.kind.value, tier_label=cloud.label,
    ))
    return answer.choice.value if answer.allowed else None


def _reason(evalset: EvalSet, frontier: bool, judged: int) -> str:
    parts = []
    if frontier:
        parts.append(f"send all {len(evalset.items)} messages of '{evalset.name}'")
    if judged:
        parts.append(f"have {judged} local summaries (with their sources) rated 1-5 on the rubric")
    return f"evaluation: {' and '.join(parts)} (the first request is shown; each is redacted the same way)"


def run_frontier(assistant: Assistant, evalset: EvalSet, consent: str,
                 progress: Progress | None = None) -> tuple[list[ItemResult], str]:
    results, model = [], assistant.tiers()[-1].model
    for n, item in enumerate(evalset.items, 1):
        start = time.perf_counter()
        try:
            output, summary = assistant.ask_frontier(TaskRequest(item.text, evalset.spec), consent)
            model = summary.model
            results.append(ItemResult(output, None, summary.latency_ms, summary.cost_usd))
        except InhouseError as err:
            results.append(ItemResult(None, None, (time.perf_counter() - start) * 1000, error=str(err)))
        if progress:
            progress(n, len(evalset.items))
    return results, model


def run_judge(assistant: Assistant, requests: Sequence[TaskRequest], consent: str,
              progress: Progress | None = None) -> tuple[list[int | None], str, float]:
    """Each judging request through ``ask_frontier``: (scores, None where it failed; model; cost)."""
    scores: list[int | None] = []
    model, cost = assistant.tiers()[-1].model, 0.0
    for n, request in enumerate(requests, 1):
        try:
            output, summary = assistant.ask_frontier(request, consent)
            model, cost = summary.model, cost + summary.cost_usd
            scores.append(int(output) if str(output).strip() in JUDGE_SPEC.labels else None)
        except InhouseError:
            scores.append(None)
        if progress:
            progress(n, len(requests))
    return scores, model, cost


def judge_report(evalset: EvalSet, local: Sequence[ItemResult], scores: Sequence[int | None], model: str,
                 cost: float) -> JudgeReport:
    rated = [i for i, s in enumerate(scores) if s is not None]
    conf = [float(local[i].confidence or 0.0) for i in rated]
    values = [float(scores[i] or 0) for i in rated]
    rouge = score_items(evalset, local, summary_median(evalset, local))
    return JudgeReport(
        model=model, rubric=JUDGE_RUBRIC, scores=list(scores),
        mean_score=sum(values) / len(values) if values else None,
        spearman_confidence=spearman(conf, values) if rated else None,
        auroc_good=auroc(conf, [v >= GOOD_SCORE for v in values]) if rated else None,
        spearman_rouge=spearman([rouge[i].quality for i in rated], values) if rated else None,
        cost_usd=cost,
    )


def estimated_costs(assistant: Assistant, evalset: EvalSet) -> list[float] | None:
    """What escalating each item would cost, from the price table (offline); None when it cannot be priced."""
    cloud = assistant.tiers()[-1]
    if not cloud.model:  # no frontier model chosen (escalation off): nothing to price
        return None
    try:
        prices = PriceTable.load()
        return [estimate(cloud.provider, TaskRequest(i.text, evalset.spec), model=cloud.model,
                         max_output_tokens=cloud.max_output_tokens, prices=prices).cost_usd for i in evalset.items]
    except InhouseError:
        return None
