"""What ``inhouse classifiers`` and ``inhouse extractors`` share: the subcommands that work the same on
any profile store (``list``, ``train``'s progress, the task run with a profile, ``export``, ``import``,
``remove``). Each group module says what differs in a ``ProfileCommands`` and adds its own subcommands.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar

from app.cli.progress import progress_bar
from app.profile_store import ProfileStore, StoredProfile, StoredSummary, TrainProgress

if TYPE_CHECKING:
    from app.engine_host import EngineHost
    from inference.tasks.base import TaskSpec

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


P = TypeVar("P", bound=StoredProfile)
S = TypeVar("S", bound=StoredSummary)


@dataclass(frozen=True)
class ProfileCommands(Generic[P, S]):
    """What one group's shared subcommands need to know of its kind."""

    noun: str  # "classifier"
    verb: str  # the task a profile does: "classify" | "extract"
    open_store: Callable[[], ProfileStore[P, S]]
    empty: str  # what ``list`` says when there is none
    state: Callable[[S], str]  # a list line after the name and revision
    summary_json: Callable[[S], dict[str, object]]
    contents: Callable[[P], str]  # "3 labels", for ``import``
    spec: Callable[[P], TaskSpec]  # the request a run with the profile makes


def add_list_show(group: SubParsers, c: ProfileCommands[Any, Any], what: str,
                  show: Callable[[argparse.Namespace], int]) -> None:
    p = group.add_parser("list", help=f"the {c.noun} profiles, with example counts and figures")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=partial(cmd_list, c=c))
    p = group.add_parser("show", help=f"one profile: {what}, training figures")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=show)


def add_train(group: SubParsers, train: Callable[[argparse.Namespace], int]) -> None:
    p = group.add_parser("train", help="train the profile on its examples (on this device)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=train)


def add_run(group: SubParsers, c: ProfileCommands[Any, Any], help_text: str) -> None:
    p = group.add_parser(c.verb, help=help_text)
    p.add_argument("name")
    p.add_argument("text", nargs="?", help="the text, or - to read standard input")
    p.add_argument("--file", type=Path, help="read the text from a file (.txt, .md, .eml)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the escalation question ahead (scripts)")
    p.add_argument("--local-only", action="store_true", help="never offer escalation for this run")
    p.set_defaults(func=partial(cmd_run, c=c))


def add_sharing(group: SubParsers, c: ProfileCommands[Any, Any]) -> None:
    p = group.add_parser("export", help="write the profile to one file, to share")
    p.add_argument("name")
    p.add_argument("path", type=Path)
    p.add_argument("--without-examples", action="store_true",
                   help=f"leave the examples out (the receiver can {c.verb}, not retrain)")
    p.set_defaults(func=partial(cmd_export, c=c))
    p = group.add_parser("import", help="add a profile from an exported file (checked first)")
    p.add_argument("path", type=Path)
    p.add_argument("--name", help="import under this name")
    p.add_argument("--replace", action="store_true", help="replace a profile of the same name")
    p.set_defaults(func=partial(cmd_import, c=c))
    p = group.add_parser("remove", help="delete a profile")
    p.add_argument("name")
    p.set_defaults(func=partial(cmd_remove, c=c))


def cmd_list(args: argparse.Namespace, c: ProfileCommands[Any, Any]) -> int:
    summaries = c.open_store().summaries()
    if args.json:
        print(json.dumps([c.summary_json(s) for s in summaries], ensure_ascii=False))
        return 0
    if not summaries:
        print(c.empty)
    for s in summaries:
        if s.error:
            print(f"{s.name:<20} DAMAGED: {s.error}")
            continue
        print(f"{s.name:<20} r{s.revision:<4} {c.state(s)}")
    return 0


def lookup(c: ProfileCommands[P, S], name: str) -> tuple[P, S]:
    """A profile and its list line (for ``show``)."""
    store = c.open_store()
    profile = store.get(name)
    return profile, next(s for s in store.summaries() if s.name == profile.name)


class Report(Protocol):
    def to_json(self) -> dict[str, Any]: ...


Rep = TypeVar("Rep", bound=Report)


def train(args: argparse.Namespace, stage: str, note: str,
          fit: Callable[[EngineHost, TrainProgress], tuple[object, Rep]], show: Callable[[str, Rep], None]) -> int:
    """Run ``fit`` on a fresh engine host with a progress bar for ``stage`` (quiet with --json), then print
    the report: as JSON, or with ``show``."""
    from app.engine_host import EngineHost

    host = EngineHost()
    try:
        with progress_bar(f"{stage} examples", enabled=not args.json) as bar:

            def progress(now: str, done: int, total: int) -> None:
                if now == stage:
                    bar(done, total)
                elif now == "fitting" and not args.json:
                    bar.note(note)

            _, report = fit(host, progress)
    finally:
        host.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        show(args.name, report)
    return 0


def cmd_run(args: argparse.Namespace, c: ProfileCommands[Any, Any]) -> int:
    from app.cli.output import finish
    from app.cli.tasks import read_input
    from app.runtime import run_request
    from inference.tasks.base import TaskRequest

    spec = c.spec(c.open_store().get(args.name))
    request = TaskRequest(read_input(args, spec.task), spec)
    outcome = run_request(request, consent=args.consent, local_only=args.local_only, as_json=args.json)
    return finish(outcome, as_json=args.json)


def cmd_export(args: argparse.Namespace, c: ProfileCommands[Any, Any]) -> int:
    from app.output_paths import writable_file

    writable_file(args.path, "export")  # a folder or a missing folder: a clear error, before anything
    path = c.open_store().export(args.name, args.path, include_examples=not args.without_examples)
    print(f"Exported '{args.name}' to {path}.")
    return 0


def cmd_import(args: argparse.Namespace, c: ProfileCommands[Any, Any]) -> int:
    profile = c.open_store().import_file(args.path, name=args.name, replace_existing=args.replace)
    state = f"trained, id {profile.trained.fingerprint[:12]}" if profile.trained else "not trained"
    print(f"Imported '{profile.name}' ({c.contents(profile)}, {len(profile.examples)} examples, {state}).")
    return 0


def cmd_remove(args: argparse.Namespace, c: ProfileCommands[Any, Any]) -> int:
    c.open_store().remove(args.name)
    print(f"Removed '{args.name}'.")
    return 0
