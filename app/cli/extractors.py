"""``inhouse extractors``: extractors taught by example, trained on this device, shared as one file.

- ``list [--json]``, ``show NAME [--json]``
- ``create NAME --schema FILE | --template NAME``: a profile for a schema of strings and numbers
- ``add-examples NAME FILE``: JSONL, one ``{"text": ..., "values": {"field": "as written" | [start, end] |
  null}}`` per line
- ``train NAME [--json]``: reads the examples with the local model, fits and calibrates the span tagger,
  and prints the cross-validated precision, recall and F1 per field
- ``extract NAME TEXT|-|--file PATH``: extract with the profile (the usual consent and routing apply)
- ``export NAME PATH [--without-examples]``, ``import PATH [--name NEW] [--replace]``, ``remove NAME``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TypeAlias

from app.cli.progress import progress_bar
from app.extractors import ExtractorStore, ExtractorSummary
from inference.extractor_tagger import TaggerReport

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: SubParsers) -> None:
    group = sub.add_parser("extractors", help="extractors you teach by example").add_subparsers(
        dest="extractors_command", metavar="ACTION", required=True)
    p = group.add_parser("list", help="the extractor profiles, with example counts and figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)
    p = group.add_parser("show", help="one profile: fields, examples per field, training figures")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)
    p = group.add_parser("create", help="a new profile for a schema")
    p.add_argument("name")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--schema", type=Path, help="a JSON Schema file (an object of strings and numbers)")
    source.add_argument("--template", help="a ready-made schema, e.g. invoice")
    p.set_defaults(func=cmd_create)
    p = group.add_parser("add-examples", help="add examples from a JSONL file (text and values)")
    p.add_argument("name")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_add_examples)
    p = group.add_parser("train", help="train the profile on its examples (on this device)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_train)
    _register_extract(group)
    p = group.add_parser("export", help="write the profile to one file, to share")
    p.add_argument("name")
    p.add_argument("path", type=Path)
    p.add_argument("--without-examples", action="store_true",
                   help="leave the examples out (the receiver can extract, not retrain)")
    p.set_defaults(func=cmd_export)
    p = group.add_parser("import", help="add a profile from an exported file (checked first)")
    p.add_argument("path", type=Path)
    p.add_argument("--name", help="import under this name")
    p.add_argument("--replace", action="store_true", help="replace a profile of the same name")
    p.set_defaults(func=cmd_import)
    p = group.add_parser("remove", help="delete a profile")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove)


def _register_extract(group: SubParsers) -> None:
    p = group.add_parser("extract", help="extract from text with a trained profile")
    p.add_argument("name")
    p.add_argument("text", nargs="?", help="the text, or - to read standard input")
    p.add_argument("--file", type=Path, help="read the text from a file (.txt, .md, .eml)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the escalation question ahead (scripts)")
    p.add_argument("--local-only", action="store_true", help="never offer escalation for this run")
    p.set_defaults(func=cmd_extract)


def _store() -> ExtractorStore:
    return ExtractorStore.open_default()


def cmd_list(args: argparse.Namespace) -> int:
    summaries = _store().summaries()
    if args.json:
        print(json.dumps([_summary_json(s) for s in summaries], ensure_ascii=False))
        return 0
    if not summaries:
        print("No extractors yet. Create one with `inhouse extractors create NAME --schema FILE`.")
    for s in summaries:
        if s.error:
            print(f"{s.name:<20} DAMAGED: {s.error}")
            continue
        print(f"{s.name:<20} r{s.revision:<4} {len(s.fields)} fields, {s.examples} examples, {_state(s)}")
    return 0


def _state(s: ExtractorSummary) -> str:
    if not s.trained or s.report is None:
        return "not trained"
    f1 = "n/a" if s.report.f1 is None else f"{s.report.f1:.2f}"
    return f"trained (cv F1 {f1}, id {s.fingerprint[:12]}){', examples changed: train again' if s.stale else ''}"


def _summary_json(s: ExtractorSummary) -> dict[str, object]:
    return {"name": s.name, "fields": list(s.fields), "values": s.counts, "examples": s.examples,
            "trained": s.trained, "stale": s.stale, "revision": s.revision, "fingerprint": s.fingerprint or None,
            "report": s.report.to_json() if s.report else None, "error": s.error}


def cmd_show(args: argparse.Namespace) -> int:
    store = _store()
    profile = store.get(args.name)
    summary = next(s for s in store.summaries() if s.name == profile.name)
    if args.json:
        print(json.dumps({**_summary_json(summary), "schema": profile.schema}, ensure_ascii=False))
        return 0
    print(f"{profile.name} (revision {profile.revision}): {_state(summary)}")
    per_field = profile.trained.report.per_field if profile.trained and not profile.stale else {}
    for name, count in profile.counts().items():
        figures = per_field.get(name)
        f1 = f"  cv F1 {figures.f1:.2f}" if figures and figures.f1 is not None else ""
        print(f"  {name:<28} {count:>5} examples with a value{f1}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from app.cli.tasks import load_schema
    from app.paths import RESOURCES

    path = args.schema or RESOURCES / "schemas" / f"{args.template}.json"
    profile = _store().create(args.name, load_schema(path))
    print(f"Created '{profile.name}' with the fields {', '.join(profile.fields)}. Add examples with "
          f"`inhouse extractors add-examples {profile.name} FILE`.")
    return 0


def cmd_add_examples(args: argparse.Namespace) -> int:
    from app.extractor_learning import read_examples

    store = _store()
    added = store.add_examples(args.name, read_examples(args.file, store.get(args.name)))
    print(f"{added.added} examples added, {added.replaced} replaced, {added.unchanged} already there.")
    for name, count in store.get(args.name).counts().items():
        print(f"  {name:<28} {count:>5} with a value")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from app.engine_host import EngineHost

    host = EngineHost()
    try:
        with progress_bar("reading examples", enabled=not args.json) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                if stage == "reading":
                    bar(done, total)
                elif stage == "fitting" and not args.json:
                    bar.note("fitting and calibrating the tagger...")

            _, report = host.extractors.train(args.name, host.token_encoder(), progress=progress)
    finally:
        host.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print_report(args.name, report)
    return 0


def print_report(name: str, report: TaggerReport) -> None:
    def r(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    print(f"Trained '{name}' on {report.examples} examples in {report.seconds:.1f} s (after reading them).")
    print(f"Cross-validated ({report.folds} folds): F1 {r(report.f1)}, values invented where there was none "
          f"{r(report.hallucination_rate)}")
    for field, f in report.per_field.items():
        print(f"  {field:<28} {f.values:>5} values  precision {r(f.precision)}  recall {r(f.recall)}  F1 {r(f.f1)}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_extract(args: argparse.Namespace) -> int:
    from app.cli.output import print_outcome
    from app.cli.tasks import read_input
    from app.runtime import run_request
    from inference.tasks.base import ExtractSpec, TaskRequest

    profile = _store().get(args.name)
    spec = ExtractSpec(schema=profile.schema, extractor=profile.name)
    outcome = run_request(TaskRequest(read_input(args), spec), consent=args.consent, local_only=args.local_only,
                          as_json=args.json)
    print_outcome(outcome, as_json=args.json)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    path = _store().export(args.name, args.path, include_examples=not args.without_examples)
    print(f"Exported '{args.name}' to {path}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    profile = _store().import_file(args.path, name=args.name, replace_existing=args.replace)
    state = f"trained, id {profile.trained.fingerprint[:12]}" if profile.trained else "not trained"
    print(f"Imported '{profile.name}' ({len(profile.fields)} fields, {len(profile.examples)} examples, {state}).")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    _store().remove(args.name)
    print(f"Removed '{args.name}'.")
    return 0
