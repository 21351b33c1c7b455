"""``inhouse eval FILE``: local vs frontier on an eval set — quality, calibration, cost, thresholds."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.progress import progress_bar
from app.consent import gate_for_cli

if TYPE_CHECKING:
    from app.eval_scoring import EvalReport, TierReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="run an eval set locally (and with --frontier, through the cloud model)")
    p.add_argument("file", type=Path, help="an eval set JSON file, e.g. resources/eval/sentiment.json")
    p.add_argument("--frontier", action="store_true", help="also send the set to the cloud model (asks consent)")
    p.add_argument("--judge", action="store_true",
                   help="summaries: the cloud model rates each local summary 1-5 on a stated rubric (asks consent)")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the consent question ahead (scripts)")
    p.add_argument("--target", type=float, default=0.9,
                   help="share of good answers to keep locally when the frontier did not run (default 0.9)")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--report", type=Path, metavar="DIR", help="write report.json and report.html into DIR")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.eval_report import report_to_json, write_report
    from app.evals import (
        build_report,
        estimated_costs,
        frontier_consent,
        judge_report,
        judge_requests,
        load_eval_set,
        run_frontier,
        run_judge,
        run_local,
    )
    from app.review import record_eval_run
    from app.runtime import open_assistant
    from inference.errors import InputInvalid

    if args.limit is not None and args.limit < 1:
        raise InputInvalid("--limit must be 1 or more.")
    if not 0.0 <= args.target <= 1.0:
        raise InputInvalid("--target is a share of good answers, between 0 and 1.", hint="For example --target 0.9.")
    if args.report is not None:
        from app.output_paths import writable_folder

        writable_folder(args.report, "--report")  # before the run: created only inside an existing folder
    evalset = load_eval_set(args.file)  # every problem in the file is reported before anything runs
    if args.limit:
        evalset = replace(evalset, items=evalset.items[: args.limit])
    if args.judge and evalset.task != "summarize":
        raise InputInvalid("--judge rates summaries; this eval set is a " + evalset.task + " set.",
                           hint="Drop --judge: classification and extraction are scored against the expected answers.")
    bars = not args.json
    assistant = open_assistant()
    try:
        with progress_bar(f"local {evalset.name}", enabled=bars) as progress:
            local = run_local(assistant, evalset, progress)
        _say_calibration(assistant, evalset.spec, quiet=args.json)
        frontier = judge = None
        if args.frontier or args.judge:
            to_judge = judge_requests(evalset, local) if args.judge else []
            gate = gate_for_cli(args.consent, interactive=sys.stdin.isatty() and not args.json)
            consent = frontier_consent(assistant, evalset, gate, frontier=args.frontier, judge=to_judge)
            if consent is None:
                print("The frontier run was declined: nothing was sent.", file=sys.stderr)
            else:
                if args.frontier:
                    with progress_bar(f"cloud {evalset.name}", enabled=bars) as progress:
                        frontier = run_frontier(assistant, evalset, consent, progress)
                if to_judge:
                    with progress_bar(f"judge {evalset.name}", enabled=bars) as progress:
                        scores, model, cost = run_judge(assistant, to_judge, consent, progress)
                    judge = judge_report(evalset, local, scores, model, cost)
        costs = None if frontier else estimated_costs(assistant, evalset)
        report = build_report(evalset, assistant.host.engine().model_name, local, frontier, args.target,
                              costs, judge)
        threshold = assistant.effective.policy.thresholds.for_task(evalset.task)
        record_eval_run(assistant.store, evalset, local, threshold)  # the monthly review shows it (app.review)
    finally:
        assistant.close()
    if args.report:
        _, html_path = write_report(report, args.report)
        print(f"Report written to {html_path}", file=sys.stderr)
    if args.json:
        print(json.dumps(report_to_json(report), ensure_ascii=False))
    else:
        print_report(report)
    return 0


def _say_calibration(assistant: Any, spec: object, *, quiet: bool) -> None:
    """After a zero-shot classify set: its items are now evidence for the label set (app.label_calibration),
    used by classify with the same labels and descriptions, never to score this set (``app.evals.run_local``)."""
    from inference.tasks.base import ClassifySpec

    if quiet or not isinstance(spec, ClassifySpec):
        return
    found = assistant.host.calibrations.fit_for(spec, assistant.host.model_key())
    if found is not None:
        print("Kept as evidence for these labels' confidence in `inhouse classify` (never to score this set "
              f"again). {found.basis()}", file=sys.stderr)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cal(t: TierReport, key: str) -> float | None:
    value = None if t.calibration is None else getattr(t.calibration, key)
    return None if value is None else float(value)


def print_report(report: EvalReport) -> None:
    from app.eval_scoring import NO_THRESHOLD_ADVICE

    print(f"\n{report.name} ({report.task}, {report.n} items; good = {report.good_means})")
    if report.label_calibration is not None:
        print(f"Confidence: {report.label_calibration.basis}")
    print()
    tiers = [t for t in (report.local, report.frontier) if t is not None]
    print(f"{'':<26}" + "".join(f"{t.tier + ' · ' + t.model[:24]:>36}" for t in tiers))
    rows: list[tuple[str, list[float | None], int]] = [
        ("share good", [t.accuracy for t in tiers], 3),
        (report.quality_name, [t.quality for t in tiers], 3),
        ("ECE", [_cal(t, "ece") for t in tiers], 3),
        ("AUROC", [_cal(t, "auroc") for t in tiers], 3),
        ("Brier", [_cal(t, "brier") for t in tiers], 3),
        ("Spearman(conf, quality)", [t.spearman for t in tiers], 3),
        ("latency ms / message", [t.mean_latency_ms for t in tiers], 0),
        ("cost USD / message", [t.cost_per_message_usd for t in tiers], 5),
        ("errors", [float(t.errors) for t in tiers], 0),
    ]
    if report.quality_name == "accuracy":  # classify: quality and share good are the same figure
        rows.pop(1)
    for label, cells, digits in rows:
        print(f"{label:<26}" + "".join(f"{_fmt(c, digits):>36}" for c in cells))
    _print_fields(report)
    _print_judge(report)
    _print_thresholds(report)
    s = report.suggestion
    if s is None:
        print(f"\nNo threshold keeps local answers at {report.target:.2f} share good: "
              f"{NO_THRESHOLD_ADVICE[report.task]}.")
    else:
        print(f"\nSuggested threshold for {report.task}: {s.threshold:.2f} — local answers kept are "
              f"{_fmt(s.kept_accuracy, 2)} good (target {report.target:.2f}), {s.escalation_rate:.0%} escalated. "
              f"Set it with `inhouse policy set thresholds.{report.task} {s.threshold:.2f}`.")


def _print_thresholds(report: EvalReport) -> None:
    quality = report.quality_name != "accuracy"
    print("\nthreshold  escalated  kept share good" + (f"  kept {report.quality_name:<14}" if quality else "")
          + f"  combined good  USD/1k msgs ({report.cost_basis})")
    for row in report.thresholds[::2]:
        cost = None if row.cost_per_message_usd is None else row.cost_per_message_usd * 1000
        print(f"{row.threshold:>9.2f}  {row.escalation_rate:>9.0%}  {_fmt(row.kept_accuracy):>15}"
              + (f"  {_fmt(row.kept_quality):>19}" if quality else "")
              + f"  {_fmt(row.combined_accuracy):>13}  {_fmt(cost, 4):>12}")


def _print_fields(report: EvalReport) -> None:
    for tier in (report.local, report.frontier):
        if tier is None or not tier.fields:
            continue
        print(f"\nfields ({tier.tier})        precision  recall      F1  hallucination  accuracy")
        for f in tier.fields:
            print(f"{f.field[:24]:<24}  {_fmt(f.precision):>9}  {_fmt(f.recall):>6}  {_fmt(f.f1):>6}  "
                  f"{_fmt(f.hallucination_rate):>13}  {_fmt(f.accuracy):>8}")
        if tier.field_calibration is not None:
            c = tier.field_calibration
            print(f"per-field confidence, {c.n} emitted values right vs wrong: AUROC {_fmt(c.auroc)}, "
                  f"ECE {_fmt(c.ece)}")


def _print_judge(report: EvalReport) -> None:
    j = report.judge
    if j is None:
        return
    print(f"\njudged by {j.model} (1-5 rubric): mean {_fmt(j.mean_score, 2)}, "
          f"Spearman(confidence, score) {_fmt(j.spearman_confidence)}, AUROC for score >= 4 {_fmt(j.auroc_good)}, "
          f"Spearman(ROUGE-L, score) {_fmt(j.spearman_rouge)}, cost {j.cost_usd:.4f} USD")
