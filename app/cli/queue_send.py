"""``inhouse queue send``: try the queued escalations again, asking consent for each."""

from __future__ import annotations

import argparse
import sys

from app.consent import gate_for_cli


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("send", help="send queued escalations now (asks consent for each)")
    p.add_argument("--consent", choices=("yes", "no"), help="answer the consent question ahead (scripts)")
    p.add_argument("--json", action="store_true", help="print one JSON object per request")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from app.cli.output import print_outcome
    from app.runtime import open_assistant

    assistant = open_assistant()
    try:
        if not assistant.store.list_queue():
            print("The queue is empty.")
            return 0
        gate = gate_for_cli(args.consent, interactive=sys.stdin.isatty() and not args.json)
        outcomes = assistant.send_queued(gate)
        left = len(assistant.store.list_queue())  # declined or still unreachable: kept for the next send
    finally:
        assistant.close()
    for outcome in outcomes:
        if args.json:
            print(json.dumps(outcome.to_json(), ensure_ascii=False))
        else:
            print_outcome(outcome, as_json=False)
    if left and not args.json:
        print(f"{left} request{'' if left == 1 else 's'} still in the queue.")
    return 1 if left else 0
