"""``inhouse batch``: one task over a file of texts, resumable (JSONL out, one line per item)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.progress import progress_bar
from app.cli.tasks import SCHEMA_TEMPLATES, build_spec
from app.consent import FixedAnswer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="run a task over every line of a .txt/.jsonl/.csv file (resumable)")
    p.add_argument("task", choices=("classify", "extract", "summarize"))
    p.add_argument("input", type=Path, help="one text per line (.txt), JSONL with \"text\", or CSV with a text column")
    p.add_argument("--output", type=Path, required=True, help="JSONL results; re-running resumes from it")
    p.add_argument("--labels", help="classify: comma-separated labels")
    p.add_argument("--examples", type=Path, help="classify: few-shot CSV text,label")
    p.add_argument("--schema", type=Path, help="extract: a JSON Schema file")
    p.add_argument("--template", choices=SCHEMA_TEMPLATES, help="extract: a ready-made schema")
    p.add_argument("--max-words", type=int, default=60, help="summarize: target length")
    p.add_argument("--consent", choices=("yes", "no"), default="no",
                   help="escalate low-confidence items without asking (yes) or never (no, the default)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.batch import read_items, run_batch
    from app.runtime import open_assistant
    from inference.errors import InputInvalid

    if args.task == "classify" and not args.labels:
        raise InputInvalid("classify needs --labels.")
    if args.task == "extract" and not (args.schema or args.template):
        raise InputInvalid("extract needs --schema FILE or --template NAME.")
    args.command = args.task
    spec = build_spec(args)
    items = read_items(args.input)

    assistant = open_assistant()
    try:
        with progress_bar(f"{args.task} {args.input.name}") as progress:
            report = run_batch(assistant, items, spec, args.output, FixedAnswer(args.consent == "yes"), progress)
    finally:
        assistant.close()
    print(f"{report.processed} processed, {report.done_before} already done, {report.failed} failed "
          f"-> {args.output}", file=sys.stderr)
    return 1 if report.failed else 0
