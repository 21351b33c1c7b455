"""``inhouse review``: the monthly review of this device's use, and the admins' fleet view.

- ``inhouse review [--month YYYY-MM] [--json] [--html PATH]``: volume, tiers, consents, the bill
  (frontier only vs. spent), quality signals and the threshold review, for the month and those before it.
- ``inhouse review --apply TASK``: set the task's threshold to the review's suggestion (not when locked).
- ``inhouse review --export-aggregate PATH``: counts, rates, costs and thresholds only (no text; profile
  names only when the admin policy allows labels).
- ``inhouse review --combine A.json B.json ...``: one table from several exports.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TypeAlias

from app.output_paths import writable_file
from app.policy import EffectivePolicy, load_policy
from app.review import ReviewData, apply_threshold, parse_month, review_store, thresholds_in_force
from app.review_export import combine, export_aggregate, load_aggregates, write_aggregate
from app.review_report import HEAD, figure_cells, render_html, render_text
from app.review_thresholds import ThresholdReview
from app.store import Store
from inference.errors import InputInvalid

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: SubParsers) -> None:
    p = sub.add_parser("review", help="the monthly review: the bill, the escalation rate and the thresholds")
    p.add_argument("--month", help="the month to review, YYYY-MM (default: this month)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--html", type=Path, metavar="PATH", help="also write a self-contained HTML report with charts")
    p.add_argument("--apply", metavar="TASK", help="set TASK's threshold to the suggested one")
    p.add_argument("--export-aggregate", type=Path, metavar="PATH",
                   help="write counts, rates, costs and thresholds only (no text) for an admin")
    p.add_argument("--combine", type=Path, nargs="+", metavar="FILE", help="combine aggregate exports into one table")
    p.set_defaults(func=run_review)


def run_review(args: argparse.Namespace) -> int:
    args.month = parse_month(args.month) if args.month else None
    if args.html is not None:
        writable_file(args.html, "--html")
    if args.export_aggregate is not None:
        writable_file(args.export_aggregate, "--export-aggregate")
    if args.combine:
        return _combine(args)
    effective = load_policy()
    with Store.open_default() as store:
        if args.export_aggregate:
            data = ReviewData.from_store(store, args.month)
            allow = bool(effective.settings["review.export_labels"].value)
            write_aggregate(args.export_aggregate, export_aggregate(data, thresholds_in_force(effective),
                                                                    allow_labels=allow, until_month=args.month))
            print(f"Wrote {args.export_aggregate} (counts, costs and thresholds; "
                  f"profile names {'included' if allow else 'replaced'}).", file=sys.stderr)
            return 0
        review = review_store(store, effective, args.month)
    if args.apply:
        return _apply(args.apply, review.thresholds, effective)
    if args.html:
        args.html.write_text(render_html(review), encoding="utf-8")
        print(f"Wrote {args.html}", file=sys.stderr)
    print(json.dumps(review.to_json(), ensure_ascii=False) if args.json else render_text(review))
    return 0


def _apply(task: str, thresholds: tuple[ThresholdReview, ...], effective: EffectivePolicy) -> int:
    found = [t for t in thresholds if t.task == task]
    if not found:
        raise InputInvalid(f"'{task}' is not a task.", hint="One of: classify, extract, summarize.")
    review = found[0]
    if review.suggested is None:
        print(f"No change suggested. {review.sentence}")
        return 0
    apply_threshold(effective, task, review.suggested)
    print(f"thresholds.{task} = {review.suggested:.2f} (was {review.current:.2f}).")
    return 0


def _combine(args: argparse.Namespace) -> int:
    aggregates = load_aggregates(args.combine)
    month, rows = combine(aggregates, args.month)
    if args.json:
        print(json.dumps({"month": month, "rows": [r.to_json() for r in rows]}, ensure_ascii=False))
        return 0
    tasks = sorted({task for a in aggregates for task in a.thresholds})
    head = ["source", *HEAD[1:], *(f"{t} thr." for t in tasks)]
    table = [[r.source, *figure_cells(r.figures), *(_thr(r.thresholds.get(t)) for t in tasks)] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *table, strict=True)]
    print(f"Combined review, {month} ({len(aggregates)} exports)")
    for row in [head, ["-" * w for w in widths], *table]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _thr(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
