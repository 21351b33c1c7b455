"""``inhouse batch TASK``: one task over a folder, files, a mailbox or a line/record file; resumable JSONL out.

The task options (``--labels``, ``--schema``/``--template``/``--extractor``, ``--max-words``/``--tldr``/
``--bullets`` …) are the single-text commands' own (``app.cli.tasks.add_task_options``). Every path is
checked before the model loads: the output is never a folder or one of the inputs, the export is not the
output, and an existing output must be a results file of this same task setup (``app.batch_output``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.progress import progress_bar
from app.cli.tasks import TASK_HELP, add_task_options, build_spec

INPUT_HELP = ("a folder (every PDF, .docx, .eml, .mbox, .html, .txt, .md … in it), documents, an .mbox (one item "
              "per message), a .txt (one item per line), JSONL with \"text\", or CSV with a text column")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="run a task over a folder, documents, a mailbox or a list of texts (resumable)")
    tasks = p.add_subparsers(dest="task", metavar="TASK", required=True)
    for task, help_text in TASK_HELP.items():
        t = tasks.add_parser(task, help=f"{help_text}, for each item")
        t.add_argument("inputs", type=Path, nargs="+", metavar="INPUT", help=INPUT_HELP)
        add_task_options(t, task)
        _batch_options(t)


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", type=Path, required=True,
                   help="JSONL results (settings kept in OUTPUT.spec.json); re-running with the same settings "
                        "resumes from it")
    p.add_argument("--export", type=Path, help="also write the results as .csv, .xlsx or .jsonl at the end")
    p.add_argument("--consent", choices=("yes", "no", "later"), default="no",
                   help="low-confidence items: escalate without asking (yes), keep the local answer (no, the "
                        "default), or keep them in the offline queue for `inhouse queue send` (later)")
    p.set_defaults(func=run)


def check_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output or export path that would fail late or destroy a file."""
    from app.batch_export import FORMATS
    from app.output_paths import same_file, writable_file
    from inference.errors import InputInvalid

    writable_file(args.output, "--output")
    for path in args.inputs:
        if same_file(path, args.output):
            raise InputInvalid(f"--output {args.output} is one of the inputs; writing results there would "
                               "destroy it.", hint="Give another --output file, e.g. results.jsonl.")
    if args.export is None:
        return
    if args.export.suffix.lower() not in FORMATS:
        raise InputInvalid(f"--export {args.export.name}: choose a .csv, .xlsx or .jsonl file.")
    writable_file(args.export, "--export")
    if same_file(args.export, args.output) or any(same_file(path, args.export) for path in args.inputs):
        raise InputInvalid(f"--export {args.export} is the --output file or one of the inputs.",
                           hint="Give --export a file of its own, e.g. results.csv.")


def run(args: argparse.Namespace) -> int:
    from app.batch import BatchProgress, BatchSource, run_batch
    from app.batch_export import export
    from app.batch_output import claim
    from app.runtime import open_assistant

    check_paths(args)
    args.command = args.task
    spec = build_spec(args)
    claim(args.output, spec)  # a file that is not a results file of this setup is refused, untouched
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
