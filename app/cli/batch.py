"""``inhouse batch``: one task over a folder, files, a mailbox or a line/record file; resumable JSONL out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.progress import progress_bar
from app.cli.tasks import SCHEMA_TEMPLATES, build_spec

INPUT_HELP = ("a folder (every PDF, .docx, .eml, .mbox, .html, .txt, .md … in it), documents, an .mbox (one item "
              "per message), a .txt (one item per line), JSONL with \"text\", or CSV with a text column")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="run a task over a folder, documents, a mailbox or a list of texts (resumable)")
    p.add_argument("task", choices=("classify", "extract", "summarize"))
    p.add_argument("inputs", type=Path, nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("--output", type=Path, required=True, help="JSONL results; re-running resumes from it")
    p.add_argument("--export", type=Path, help="also write the results as .csv, .xlsx or .jsonl at the end")
    p.add_argument("--labels", help="classify: comma-separated labels")
    p.add_argument("--examples", type=Path, help="classify: few-shot CSV text,label")
    p.add_argument("--schema", type=Path, help="extract: a JSON Schema file")
    p.add_argument("--template", choices=SCHEMA_TEMPLATES, help="extract: a ready-made schema")
    p.add_argument("--max-words", type=int, default=60, help="summarize: target length")
    p.add_argument("--consent", choices=("yes", "no", "later"), default="no",
                   help="low-confidence items: escalate without asking (yes), keep the local answer (no, the "
                        "default), or keep them in the offline queue for `inhouse queue send` (later)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.batch import BatchProgress, BatchSource, run_batch
    from app.batch_export import FORMATS, export
    from app.runtime import open_assistant
    from inference.errors import InputInvalid

    if args.task == "classify" and not args.labels:
        raise InputInvalid("classify needs --labels.")
    if args.task == "extract" and not (args.schema or args.template):
        raise InputInvalid("extract needs --schema FILE or --template NAME.")
    if args.export is not None and args.export.suffix.lower() not in FORMATS:
        raise InputInvalid(f"--export {args.export.name}: choose a .csv, .xlsx or .jsonl file.")
    args.command = args.task
    spec = build_spec(args)
    source = BatchSource(args.inputs)
    total = source.count()
    name = args.inputs[0].name + (f" (+{len(args.inputs) - 1})" if len(args.inputs) > 1 else "")

    assistant = open_assistant()
    try:
        with progress_bar(f"{args.task} {name}") as bar:
            def show(p: BatchProgress) -> None:
                bar(p.done, p.total)

            report = run_batch(assistant, source, total, spec, args.output, args.consent, show)
    finally:
        assistant.close()
    queued = f", {report.queued} kept for later (inhouse queue send)" if report.queued else ""
    print(f"{report.processed} processed, {report.done_before} already done, {report.failed} failed{queued} "
          f"-> {args.output}", file=sys.stderr)
    if args.export is not None:
        rows = export(args.output, args.export)
        print(f"{rows} rows exported -> {args.export}", file=sys.stderr)
    return 1 if report.failed else 0
