"""``inhouse classifiers``: classifiers taught by example, trained on this device, shared as one file.

- ``list [--json]``, ``show NAME [--json]``
- ``create NAME --labels a,b,c``; ``add-examples NAME FILE`` (CSV ``text,label`` or JSONL)
- ``train NAME [--json]``: embeds the examples with the local model, fits and calibrates the head, and
  prints the cross-validated accuracy and calibration error per label
- ``classify NAME TEXT|-|--file PATH``: classify with the profile (the usual consent and routing apply)
- ``candidates NAME [--accept | --reject]``: frontier answers kept as possible examples
- ``export NAME PATH [--without-examples]``, ``import PATH [--name NEW] [--replace]``, ``remove NAME``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.classifiers import ClassifierStore, Profile, ProfileSummary, read_examples
from app.cli import profiles
from app.cli.profiles import SubParsers
from inference.classifier_head import TrainReport

if TYPE_CHECKING:
    from inference.tasks.base import TaskSpec


def _spec(profile: Profile) -> TaskSpec:
    from inference.tasks.base import ClassifySpec

    return ClassifySpec(labels=profile.labels, classifier=profile.name)


def _state(s: ProfileSummary) -> str:
    if not s.trained or s.report is None:
        return "not trained"
    figures = f"cv accuracy {s.report.cv_accuracy:.2f}, ECE {s.report.cv_ece:.3f}, id {s.fingerprint[:12]}"
    return f"trained ({figures}){', examples changed: train again' if s.stale else ''}"


def _line(s: ProfileSummary) -> str:
    return f"{len(s.labels)} labels, {sum((s.counts or {}).values())} examples, {_state(s)}"


def _summary_json(s: ProfileSummary) -> dict[str, object]:
    return {"name": s.name, "labels": list(s.labels), "examples": s.counts, "trained": s.trained,
            "stale": s.stale, "revision": s.revision, "fingerprint": s.fingerprint or None,
            "report": s.report.to_json() if s.report else None, "candidates": s.candidates, "error": s.error}


COMMANDS = profiles.ProfileCommands(
    "classifier", "classify", ClassifierStore.open_default,
    "No classifiers yet. Create one with `inhouse classifiers create NAME --labels a,b,c`.", _line, _summary_json,
    lambda p: f"{len(p.labels)} labels", _spec)


def register(sub: SubParsers) -> None:
    group = sub.add_parser("classifiers", help="classifiers you teach by example").add_subparsers(
        dest="classifiers_command", metavar="ACTION", required=True
    )
    profiles.add_list_show(group, COMMANDS, "labels, examples per label", cmd_show)
    p = group.add_parser("create", help="a new profile with a label set")
    p.add_argument("name")
    p.add_argument("--labels", required=True, help="comma-separated labels, e.g. billing,bug,feature")
    p.set_defaults(func=cmd_create)
    p = group.add_parser("add-examples", help="add labelled examples from a CSV (text,label) or JSONL file")
    p.add_argument("name")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_add_examples)
    profiles.add_train(group, cmd_train)
    profiles.add_run(group, COMMANDS, "classify text with a trained profile")
    p = group.add_parser("candidates", help="frontier answers kept as possible examples")
    p.add_argument("name")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--accept", action="store_true", help="make them all examples")
    choice.add_argument("--reject", action="store_true", help="drop them all")
    p.set_defaults(func=cmd_candidates)
    profiles.add_sharing(group, COMMANDS)


def _store() -> ClassifierStore:
    return ClassifierStore.open_default()


def cmd_show(args: argparse.Namespace) -> int:
    profile, summary = profiles.lookup(COMMANDS, args.name)
    if args.json:
        print(json.dumps(_summary_json(summary), ensure_ascii=False))
        return 0
    print(f"{profile.name} (revision {profile.revision}): {_state(summary)}")
    per_label = profile.trained.report.per_label if profile.trained and not profile.stale else {}
    for label, count in profile.counts().items():
        figures = f"  cv accuracy {per_label[label].cv_accuracy:.2f}" if label in per_label else ""
        print(f"  {label:<28} {count:>5} examples{figures}")
    if profile.candidates:
        print(f"{len(profile.candidates)} candidate examples wait for you: `inhouse classifiers candidates "
              f"{profile.name}`")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    labels = [label.strip() for label in args.labels.split(",")]
    profile = _store().create(args.name, labels)
    print(f"Created '{profile.name}' with the labels {', '.join(profile.labels)}. Add examples with "
          f"`inhouse classifiers add-examples {profile.name} FILE`.")
    return 0


def cmd_add_examples(args: argparse.Namespace) -> int:
    added = _store().add_examples(args.name, read_examples(args.file))
    print(f"{added.added} examples added, {added.relabelled} relabelled, {added.unchanged} already there.")
    _print_counts(_store().get(args.name))
    return 0


def _print_counts(profile: Profile) -> None:
    for label, count in profile.counts().items():
        print(f"  {label:<28} {count:>5}")


def cmd_train(args: argparse.Namespace) -> int:
    return profiles.train(args, "embedding", "fitting and calibrating the head...",
                          lambda host, progress: host.classifiers.train(args.name, host.embedder(), progress=progress),
                          _print_report)


def _print_report(name: str, report: TrainReport) -> None:
    auroc = "n/a" if report.cv_auroc is None else f"{report.cv_auroc:.3f}"
    print(f"Trained '{name}' on {report.examples} examples in {report.seconds:.1f} s (after embedding).")
    print(f"Cross-validated ({report.folds} folds): accuracy {report.cv_accuracy:.3f}, ECE {report.cv_ece:.3f} "
          f"(uncalibrated {report.cv_ece_uncalibrated:.3f}), confidence AUROC {auroc}; "
          f"C={report.c:g}, temperature {report.temperature:.3f}")
    for label, figures in report.per_label.items():
        print(f"  {label:<28} {figures.examples:>5} examples  cv accuracy {figures.cv_accuracy:.2f}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_candidates(args: argparse.Namespace) -> int:
    store = _store()
    profile = store.get(args.name)
    if args.accept:
        print(f"{store.accept_candidates(profile.name)} candidates became examples; train again to use them.")
    elif args.reject:
        print(f"{store.reject_candidates(profile.name)} candidates dropped.")
    elif not profile.candidates:
        print("No candidate examples.")
    for c in profile.candidates if not (args.accept or args.reject) else ():
        print(f"  {c.label:<24} {c.text[:70]!r}  ({c.source}, {c.created})")
    return 0
