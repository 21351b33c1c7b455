"""``inhouse redact``: what the redaction has learned from your own "Redact selection" corrections.

- ``status [--json]``: how many examples are kept, and whether a tagger trained with them is in use
- ``train``: train the redaction tagger again, on the shipped training text plus your examples (minutes)
- ``forget``: delete your examples and the tagger trained with them (the shipped tagger is used again)

The examples are personal data: they stay in the data folder, are never sent, and ``forget`` deletes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TypeAlias

from app import paths
from app.redaction_learning import RedactionLearning

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: SubParsers) -> None:
    group = sub.add_parser("redact", help="what redaction learned from your own corrections").add_subparsers(
        dest="redact_command", metavar="ACTION", required=True
    )
    p = group.add_parser("status", help="your redaction examples and the tagger in use")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)
    p = group.add_parser("train", help="retrain the redaction tagger with your examples (on this device)")
    p.set_defaults(func=cmd_train)
    p = group.add_parser("forget", help="delete your redaction examples and the tagger trained with them")
    p.set_defaults(func=cmd_forget)


def _learning() -> RedactionLearning:
    return RedactionLearning(paths.current().data_dir)


def cmd_status(args: argparse.Namespace) -> int:
    learning = _learning()
    info = {
        "examples": len(learning.examples()),
        "examples_file": str(learning.examples_path),
        "retrained": learning.retrained(),
        "retrain_due": learning.due(),
        "model_file": str(learning.model_path) if learning.retrained() else None,
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['examples']} example(s) from your own redactions ({info['examples_file']})")
    if learning.retrained():
        state = "out of date: run `inhouse redact train`" if info["retrain_due"] else "up to date"
        print(f"redaction tagger trained with them: {learning.model_path} ({state})")
    else:
        print("redaction tagger: the shipped one" + (" (run `inhouse redact train` to learn your examples)"
                                                       if info["examples"] else ""))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    learning = _learning()
    count = len(learning.examples())
    if not count:
        print("No examples yet: select text in the consent dialog and press \"Redact selection\" to teach it.")
        return 0
    print(f"Training the redaction tagger on {count} example(s) of yours and the shipped training text "
          "(a few minutes)...", file=sys.stderr)
    stats = learning.retrain()
    print(f"Done: {learning.model_path} ({stats['texts']} texts). The next redaction uses it.")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    count = _learning().forget()
    print(f"Deleted {count} example(s) and the tagger trained with them; the shipped tagger is used again.")
    return 0
