"""``inhouse audit | queue | history``: what Inhouse remembers, for people and for scripts (``--json``).

- ``audit list [--limit N] [--json]``, ``audit verify``, ``audit export [--json] [--output FILE]``
- ``queue list [--json]``, ``queue remove ID``; ``queue send`` comes from ``app/cli/queue_send.py``
  (see :func:`register_queue_send`)
- ``history list [--limit N] [--json]``, ``history search QUERY``, ``history delete ID``,
  ``history clear [--yes]``
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import os
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeAlias

from app.audit import consent_words, delivery, delivery_text
from app.store import AuditEntry, HistoryEntry, Store
from inference.errors import InhouseError

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
QUEUE_SEND_MODULE = "app.cli.queue_send"
SNIPPET = 48


def register(sub: SubParsers) -> None:
    _register_audit(sub)
    _register_queue(sub)
    _register_history(sub)


def _register_audit(sub: SubParsers) -> None:
    group = sub.add_parser("audit", help="the log of everything sent off this device").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    p = group.add_parser("list", help="show the most recent escalations")
    p.add_argument("--limit", type=int, default=50, help="how many rows (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=audit_list)
    p = group.add_parser("verify", help="check that no row was edited or deleted")
    p.set_defaults(func=audit_verify)
    p = group.add_parser("export", help="every row with its hashes, as CSV (default) or JSON")
    p.add_argument("--json", action="store_true", help="write a JSON array instead of CSV")
    p.add_argument("--output", type=Path, help="write to FILE (readable only by you) instead of stdout")
    p.set_defaults(func=audit_export)


def _register_queue(sub: SubParsers) -> None:
    group = sub.add_parser("queue", help="escalations waiting to be sent").add_subparsers(
        dest="queue_command", metavar="ACTION", required=True
    )
    p = group.add_parser("list", help="show pending escalations")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=queue_list)
    p = group.add_parser("remove", help="drop one pending escalation without sending it")
    p.add_argument("id", type=int)
    p.set_defaults(func=queue_remove)
    register_queue_send(group)


def register_queue_send(group: SubParsers) -> None:
    """Hook for ``inhouse queue send``: ``app/cli/queue_send.py`` may define ``register(group)``.

    Sending needs the assistant (consent, egress, provider), which lives outside this module; the
    command is added here when that module exists.
    """
    try:
        module = importlib.import_module(QUEUE_SEND_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == QUEUE_SEND_MODULE:
            return
        raise
    module.register(group)


def _register_history(sub: SubParsers) -> None:
    group = sub.add_parser("history", help="past runs kept on this device").add_subparsers(
        dest="history_command", metavar="ACTION", required=True
    )
    p = group.add_parser("list", help="show the most recent runs")
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=history_list)
    p = group.add_parser("search", help="full-text search over inputs and answers (word* for prefixes)")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=history_search)
    p = group.add_parser("delete", help="delete one run")
    p.add_argument("id", type=int)
    p.set_defaults(func=history_delete)
    p = group.add_parser("clear", help="delete every run")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=history_clear)


# -- audit ------------------------------------------------------------------------------------------


def audit_list(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        entries = store.list_audit(limit=args.limit)
        unknown = {e.id for e in store.open_intents()}
    if args.json:
        _print_json([{**asdict(e), "outcome_unknown": e.id in unknown,
                      "delivery": delivery(e, open_intent=e.id in unknown).value} for e in entries])
        return 0
    if not entries:
        print("No escalations recorded: nothing has left this device.")
    for e in entries:
        print(_audit_line(e, e.id in unknown))
    return 0


def _audit_line(e: AuditEntry, unknown: bool) -> str:
    """One row: how it was allowed, and what happened from its typed columns (``app.audit.delivery``)."""
    where = f"{e.tier or 'cloud'} {e.host}" if e.host else e.provider
    outcome = delivery_text(e, open_intent=unknown)
    if e.kind == "outcome":
        outcome += f"; recorded: {e.outcome}"
    return (f"{e.id:>5}  {e.created[:19]}  {e.task:<9}  {where}  {e.provider}/{e.model}  "
            f"{consent_words(e.consent):<13}  {e.input_tokens}+{e.output_tokens} tok  ${e.cost_usd:.4f}  {outcome}")


def audit_verify(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        result = store.verify_audit()
        path = store.path
    if result.ok:
        print(result.describe())
        return 0
    print(f"inhouse: {result.describe()}", file=sys.stderr)
    print(
        f"The audit log in {path} was changed outside Inhouse or damaged. Keep a copy of the file "
        "(and `inhouse audit export`) for whoever investigates.",
        file=sys.stderr,
    )
    return 1


def audit_export(args: argparse.Namespace) -> int:
    if args.output is not None:
        from app.output_paths import writable_file

        writable_file(args.output, "--output")
    with Store.open_default() as store:
        rows = store.export_audit()
    text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n" if args.json else _csv(rows)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    _write_private(args.output, text)
    print(f"Wrote {len(rows)} audit row{'' if len(rows) == 1 else 's'} to {args.output}")
    return 0


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [f.name for f in fields(AuditEntry)], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, created readable by the owner only (it may hold sent payloads)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise InhouseError(f"Could not write {path}: {exc.strerror}.", "Choose a writable path.") from exc


# -- queue ------------------------------------------------------------------------------------------


def queue_list(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        items = store.list_queue()
    if args.json:
        _print_json([asdict(i) for i in items])
        return 0
    if not items:
        print("The queue is empty.")
    for i in items:
        text = _snippet(str(i.request.get("text", "")))
        failed = f"  {i.attempts} failed, last: {i.last_error}" if i.attempts else ""
        print(f"{i.id:>5}  {i.created[:19]}  {i.task:<9}  {text}  ({i.reason}){failed}")
    return 0


def queue_remove(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        if args.id not in {i.id for i in store.list_queue()}:
            raise InhouseError(f"No queued escalation with id {args.id}.", "See `inhouse queue list`.")
        store.dequeue(args.id)
    print(f"Removed queued escalation {args.id}; it was not sent.")
    return 0


# -- history ----------------------------------------------------------------------------------------


def history_list(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        entries = store.list_history(limit=args.limit)
    return _print_history(entries, args.json, "No history yet.")


def history_search(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        entries = store.search_history(args.query, limit=args.limit)
    return _print_history(entries, args.json, f"Nothing in the history matches {args.query!r}.")


def history_delete(args: argparse.Namespace) -> int:
    with Store.open_default() as store:
        if not store.delete_history(args.id):
            raise InhouseError(f"No history entry with id {args.id}.", "See `inhouse history list`.")
    print(f"Deleted history entry {args.id}.")
    return 0


def history_clear(args: argparse.Namespace) -> int:
    if not args.yes and not _confirm("Delete every history entry on this device?"):
        raise InhouseError(
            "History not cleared.", "Pass --yes to clear it without a question (scripts, no terminal)."
        )
    with Store.open_default() as store:
        deleted = store.clear_history()
    print(f"Deleted {deleted} history entr{'y' if deleted == 1 else 'ies'}.")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _print_history(entries: list[HistoryEntry], as_json: bool, empty: str) -> int:
    if as_json:
        _print_json([asdict(e) for e in entries])
        return 0
    if not entries:
        print(empty)
    for e in entries:
        answer = e.output if isinstance(e.output, str) else json.dumps(e.output, ensure_ascii=False)
        print(
            f"{e.id:>5}  {e.created[:19]}  {e.task:<9}  {e.tier:<8}  {e.confidence:.2f}"
            f"  {_snippet(e.input_text)}  ->  {_snippet(answer)}"
        )
    return 0


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))
