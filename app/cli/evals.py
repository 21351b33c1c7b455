"""``inhouse eval FILE``: local vs frontier on an eval set — quality, calibration, cost, thresholds."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

from app.cli.progress import progress_bar
from app.consent import gate_for_cli


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="run an eval set locally (and with --frontier, through the cloud model)")
    p.add_argument("file", type=Path, help="an eval set JSON file, e.g. resources/eval/sentiment.json")
    p.add_argument("--frontier", action="store_true", help="also send the set to the cloud model (asks consent)")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the consent question ahead (scripts)")
    p.add_argument("--target", type=float, default=0.9, help="accuracy to reach without --frontier (default 0.9)")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.evals import build_report, frontier_consent, load_eval_set, run_frontier, run_local
    from app.runtime import open_assistant

    evalset = load_eval_set(args.file)
    if args.limit:
        evalset = replace(evalset, items=evalset.items[: args.limit])

    assistant = open_assistant()
    try:
        with progress_bar(f"local {evalset.name}", enabled=not args.json) as progress:
            local = run_local(assistant, evalset, progress)
        frontier = None
        if args.frontier:
            gate = gate_for_cli(args.consent, interactive=sys.stdin.isatty() and not args.json)
            consent = frontier_consent(assistant, evalset, gate)
            if consent is None:
                print("The frontier run was declined: nothing was sent.", file=sys.stderr)
            else:
                with progress_bar(f"cloud {evalset.name}", enabled=not args.json) as progress:
                    frontier = run_frontier(assistant, evalset, consent, progress)
        report = build_report(evalset, assistant.host.engine().model_name, local, frontier, args.target)
    finally:
        assistant.close()
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print_report(report)
    return 0


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(report: object) -> None:
    from app.evals import EvalReport

    assert isinstance(report, EvalReport)
    print(f"\n{report.name} ({report.task}, {report.local.n} messages)\n")
    tiers = [t for t in (report.local, report.frontier) if t is not None]
    print(f"{'':<22}" + "".join(f"{t.tier + ' · ' + t.model[:24]:>36}" for t in tiers))
    for label, attr, digits in (("accuracy", "accuracy", 3), ("ECE", "ece", 3), ("AUROC", "auroc", 3),
                                ("Brier", "brier", 3), ("latency ms / message", "mean_latency_ms", 0),
                                ("cost USD / message", "cost_per_message_usd", 5), ("errors", "errors", 0)):
        cells = [getattr(t, attr) for t in tiers]
        print(f"{label:<22}" + "".join(f"{_fmt(None if c is None else float(c), digits):>36}" for c in cells))
    print("\nthreshold  escalated  kept-local accuracy  combined accuracy  cost/message")
    for row in report.thresholds[::2]:
        print(f"{row.threshold:>9.2f}  {row.escalation_rate:>9.0%}  {_fmt(row.kept_accuracy):>19}  "
              f"{_fmt(row.combined_accuracy):>17}  {_fmt(row.cost_per_message_usd, 5):>12}")
    s = report.suggestion
    if s is None:
        print(f"\nNo threshold keeps local answers at {report.target:.2f} accuracy: escalate everything, "
              "or teach a classifier by example (`inhouse classifiers`).")
    else:
        print(f"\nSuggested threshold for {report.task}: {s.threshold:.2f} — local answers kept are "
              f"{_fmt(s.kept_accuracy, 2)} accurate (target {report.target:.2f}), {s.escalation_rate:.0%} escalated. "
              f"Set it with `inhouse policy set thresholds.{report.task} {s.threshold:.2f}`.")
