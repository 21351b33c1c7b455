"""``inhouse classify | extract | summarize``: run a task on TEXT, stdin (``-``) or ``--file PATH``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.documents.errors import IsAFolder
from app.inputs import Document, decode_text, read_document, read_text_file
from app.json_files import loads
from app.paths import RESOURCES
from inference.errors import InputInvalid, SchemaInvalid
from inference.summary_shape import MAX_BULLETS
from inference.tasks.base import (
    TLDR_WORDS,
    ClassifySpec,
    ExtractSpec,
    SummarizeSpec,
    TaskRequest,
    TaskSpec,
    check_labels,
)

SCHEMA_TEMPLATES = ("invoice", "contact", "meeting")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for task, help_text in TASK_HELP.items():
        p = sub.add_parser(task, help=help_text)
        add_task_options(p, task)
        _common(p)


TASK_HELP = {"classify": "choose one label for the text",
             "extract": "pull JSON that validates against a schema out of the text",
             "summarize": "summarize the text"}


def add_task_options(p: argparse.ArgumentParser, task: str) -> None:
    """The options that say what ``task`` does (labels, schema, summary shape): one declaration, shared by
    the single-text commands and ``inhouse batch TASK``; ``build_spec`` reads them."""
    if task == "classify":
        p.add_argument("--labels", required=True, help="comma-separated labels, e.g. positive,negative,neutral")
        p.add_argument("--examples", type=Path, help="few-shot examples: CSV with columns text,label")
        p.add_argument("--descriptions", metavar="FILE|JSON",
                       help="one-line label descriptions: a JSON object label -> description, or a file with one "
                            "(an eval set's own file works: its \"descriptions\" are used)")
    elif task == "extract":
        group = p.add_mutually_exclusive_group()
        group.add_argument("--schema", type=Path, help="a JSON Schema file")
        group.add_argument("--template", choices=SCHEMA_TEMPLATES, help="a ready-made schema")
        p.add_argument("--extractor", help="use this trained extractor profile (its schema, unless one is given)")
    else:
        p.add_argument("--max-words", type=_positive_int, help="at most this many words (default 60; TLDR 30)")
        shape = p.add_mutually_exclusive_group()
        shape.add_argument("--tldr", action="store_true", help="one sentence: the main point")
        shape.add_argument("--bullets", type=_positive_int, metavar="N", help="N bullet points")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="the text, or - to read standard input")
    p.add_argument("--file", type=Path, help="read the text from a document (PDF, .docx, .eml, .html, .txt, .md …)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the escalation question ahead (scripts)")
    p.add_argument("--local-only", action="store_true", help="never offer escalation for this run")
    p.set_defaults(func=run_command)


def _positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be a positive number")
    return n


def read_file_option(path: Path, task: str) -> Document:
    """The document ``--file`` names; a folder says how to run over one (``inhouse batch``)."""
    try:
        return read_document(path)
    except IsAFolder as err:
        raise IsAFolder(str(err), hint=f"To run {task} on every document in it, use `inhouse batch {task} "
                                       f"{path}`; or choose one file in it.") from None


def read_input(args: argparse.Namespace, task: str | None = None) -> str:
    if args.file is not None:
        if args.text is not None:
            raise InputInvalid("Give the text either as an argument or with --file, not both.")
        document = read_file_option(args.file, task or args.command)
        for note in document.notes:
            print(f"Note: {note}", file=sys.stderr)
        return document.text
    if args.text is None:
        raise InputInvalid("No text given: pass TEXT, - for standard input, or --file PATH.")
    if args.text == "-":
        return decode_text(sys.stdin.buffer.read(), "standard input")
    return str(args.text)


def build_spec(args: argparse.Namespace) -> TaskSpec:
    if args.command == "classify":
        labels = tuple(label.strip() for label in args.labels.split(",") if label.strip())
        check_labels(labels)  # before anything else is read or loaded
        descriptions = load_descriptions(args.descriptions, labels) if args.descriptions else ()
        examples = load_examples(args.examples) if args.examples else ()
        return ClassifySpec(labels=labels, descriptions=descriptions, examples=examples)
    if args.command == "extract":
        if args.schema is None and args.template is None:
            if not args.extractor:
                raise InputInvalid("Give a schema: --schema FILE, --template NAME, or --extractor NAME.")
            from app.extractors import ExtractorStore

            return ExtractSpec(schema=ExtractorStore.open_default().get(args.extractor).schema,
                               extractor=args.extractor)
        path = args.schema or RESOURCES / "schemas" / f"{args.template}.json"
        return ExtractSpec(schema=load_schema(path), extractor=args.extractor)
    if args.tldr:
        return SummarizeSpec(max_words=args.max_words or TLDR_WORDS, shape="tldr")
    if args.bullets:
        if args.bullets > MAX_BULLETS:
            raise InputInvalid(f"Ask for at most {MAX_BULLETS} bullets.")
        return SummarizeSpec(max_words=args.max_words or 20 * args.bullets, shape="bullets", bullets=args.bullets)
    return SummarizeSpec(max_words=args.max_words or 60)


def load_schema(path: Path) -> dict[str, Any]:
    try:
        schema = loads(read_text_file(path), str(path))
    except json.JSONDecodeError as err:
        raise SchemaInvalid(f"{path} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).") from err
    if not isinstance(schema, dict):
        raise SchemaInvalid(f"{path} must contain a JSON Schema object.")
    from inference.tasks.extract import check_schema

    return check_schema(schema)


def load_descriptions(value: str, labels: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--descriptions``: inline JSON (``{"label": "description", …}``) or a file holding such an object,
    or an eval set (its ``descriptions``), so that classify can ask exactly what the eval asked: the label
    set's calibration is per prompt (``app.label_calibration.label_set_key``). In the object's order."""
    inline = value.lstrip().startswith("{")
    origin = "--descriptions" if inline else value
    text = value if inline else read_text_file(Path(value))
    try:
        doc = loads(text, origin)
    except json.JSONDecodeError as err:
        raise InputInvalid(f"{origin} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).",
                           hint='Give an object of label -> description, e.g. {"urgent": "needs an answer today"}.'
                           ) from err
    if isinstance(doc, dict) and isinstance(doc.get("descriptions"), dict) and "labels" in doc:
        doc = doc["descriptions"]  # an eval set's file
    if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
        raise InputInvalid(f"{origin}: the descriptions must be a JSON object of label -> one-line description.",
                           hint='For example {"urgent": "needs an answer today", "normal": "can wait a day"}.')
    unknown = [label for label in doc if label not in labels]
    if unknown:
        raise InputInvalid(f"{origin} describes labels that are not in --labels: {', '.join(map(repr, unknown))}.",
                           hint="Describe only the labels given with --labels (spelled the same way).")
    return tuple((str(label), str(text)) for label, text in doc.items())  # as written: as the eval set reads them


def load_examples(path: Path) -> tuple[tuple[str, str], ...]:
    """Few-shot examples from a CSV with the columns text,label (``app.inputs.labelled_rows``)."""
    from app.inputs import labelled_rows

    return labelled_rows(read_text_file(path), str(path))


def run_command(args: argparse.Namespace) -> int:
    from app.cli.output import finish
    from app.runtime import run_request

    spec = build_spec(args)
    if isinstance(spec, ExtractSpec | SummarizeSpec) and args.file is not None and args.text is None:
        from app.cli.long_documents import run_if_long

        code = run_if_long(args, spec)  # a document longer than the context: chunked, with page references
        if code is not None:
            return code
    request = TaskRequest(text=read_input(args), spec=spec)
    from app.cli.progress import progress_bar

    # a long text is summarized in chunks (tens of seconds on a laptop): a bar on a terminal, nothing piped
    with progress_bar("summarizing", unit="chunk", transient=True, enabled=args.command == "summarize") as bar:
        outcome = run_request(request, consent=args.consent, local_only=args.local_only, as_json=args.json,
                              progress=bar)
    return finish(outcome, as_json=args.json)
