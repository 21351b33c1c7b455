"""``inhouse key set | clear | status [--tier cloud|org]``: API keys in the OS keyring (the cloud's
Anthropic key by default; ``--tier org`` for the organisation's server, when it needs one).

``set`` reads the key without echo on a terminal (getpass), or one line from stdin when piped
(``printf %s "$KEY" | inhouse key set``), never from the command line where shell history would keep it.
``status`` says whether a key is set and where from; it never shows the key.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from typing import TypeAlias

from app import secrets
from inference.errors import InputInvalid

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: SubParsers) -> None:
    parser = sub.add_parser("key", help="API keys (the cloud's, the org server's; kept in the OS keyring)")
    tier = argparse.ArgumentParser(add_help=False)
    tier.add_argument("--tier", choices=("cloud", "org"), default="cloud",
                      help="whose key: the cloud's (Anthropic, default) or the organisation's server")
    actions = parser.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    set_parser = actions.add_parser("set", parents=[tier], help="store the key (typed without echo, or piped)")
    set_parser.add_argument(
        "--allow-plaintext",
        action="store_true",
        help="store it even if the keyring backend keeps secrets unencrypted in a file",
    )
    set_parser.set_defaults(func=run_set)
    actions.add_parser("clear", parents=[tier], help="remove the stored key").set_defaults(func=run_clear)
    status_parser = actions.add_parser("status", parents=[tier], help="whether a key is set and where it comes from")
    status_parser.add_argument("--json", action="store_true", help="print one JSON object")
    status_parser.set_defaults(func=run_status)


def read_key(tier: str = "cloud") -> str:
    """The key from the terminal without echo, or the first line of piped stdin."""
    whose = "Anthropic API key" if tier == "cloud" else "Organisation server key"
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            return getpass.getpass(f"{whose} (input hidden): ")
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except EOFError:
        line = ""
    if not line.strip():
        hint = "Type or paste the key, or pipe it: `... | inhouse key set`."
        raise InputInvalid("No API key was given.", hint=hint)
    return line


def run_set(args: argparse.Namespace) -> int:
    secrets.set_api_key(read_key(args.tier), allow_plaintext=args.allow_plaintext, tier=args.tier)
    print(f"API key stored in the OS keyring ({secrets.backend_name()}).")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    removed = secrets.clear_api_key(args.tier)
    print("API key removed from the OS keyring." if removed else "No API key was stored in the OS keyring.")
    if secrets.key_status(args.tier).source == "environment":
        print(f"Note: {secrets.ENV_VARS[args.tier]} is still set in this environment and will be used.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = secrets.key_status(args.tier)
    if args.json:
        print(json.dumps({**asdict(status), "is_set": status.is_set}))
        return 0
    print(f"key:      {'set (' + status.source + ')' if status.is_set else 'not set'}")
    print(f"keyring:  {status.backend}{'' if status.keyring_available else ' (not available)'}")
    print(status.message)
    return 0
