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
from typing import TYPE_CHECKING

from app.cli import profiles
from app.cli.profiles import SubParsers
from app.extractor_files import Profile
from app.extractors import ExtractorStore, ExtractorSummary
from inference.extractor_tagger import TaggerReport

if TYPE_CHECKING:
    from inference.tasks.base import TaskSpec


def _spec(profile: Profile) -> TaskSpec:
    from inference.tasks.base import ExtractSpec

    return ExtractSpec(schema=profile.schema, extractor=profile.name)


def _state(s: ExtractorSummary) -> str:
    if not s.trained or s.report is None:
        return "not trained"
    f1 = "n/a" if s.report.f1 is None else f"{s.report.f1:.2f}"
    return f"trained (cv F1 {f1}, id {s.fingerprint[:12]}){', examples changed: train again' if s.stale else ''}"


def _line(s: ExtractorSummary) -> str:
    return f"{len(s.fields)} fields, {s.examples} examples, {_state(s)}"


def _summary_json(s: ExtractorSummary) -> dict[str, object]:
    return {"name": s.name, "fields": list(s.fields), "values": s.counts, "examples": s.examples,
            "trained": s.trained, "stale": s.stale, "revision": s.revision, "fingerprint": s.fingerprint or None,
            "report": s.report.to_json() if s.report else None, "error": s.error}


COMMANDS = profiles.ProfileCommands(
    "extractor", "extract", ExtractorStore.open_default,
    "No extractors yet. Create one with `inhouse extractors create NAME --schema FILE`.", _line, _summary_json,
    lambda p: f"{len(p.fields)} fields", _spec)


def register(sub: SubParsers) -> None:
    group = sub.add_parser("extractors", help="extractors you teach by example").add_subparsers(
        dest="extractors_command", metavar="ACTION", required=True)
    profiles.add_list_show(group, COMMANDS, "fields, examples per field", cmd_show)
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
    profiles.add_train(group, cmd_train)
    profiles.add_run(group, COMMANDS, "extract from text with a trained profile")
    profiles.add_sharing(group, COMMANDS)


def _store() -> ExtractorStore:
    return ExtractorStore.open_default()


def cmd_show(args: argparse.Namespace) -> int:
    profile, summary = profiles.lookup(COMMANDS, args.name)
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
    return profiles.train(args, "reading", "fitting and calibrating the tagger...",
                          lambda host, progress: host.extractors.train(args.name, host.token_encoder(),
                                                                       progress=progress),
                          print_report)


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
