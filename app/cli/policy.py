"""``inhouse policy``: show the effective policy, check a policy file, change the user file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app import paths
from app.policy import (
    EffectivePolicy,
    check_file,
    file_state,
    load_policy,
    remove_user_setting,
    save_user_setting,
)
from app.policy_schema import KEYS, SPECS, from_text, show

TEMPLATE = paths.RESOURCES / "policy.default.toml"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy", help="show or check the escalation and privacy policy",
        description="Effective policy: built-in defaults < your file < the admin file (its keys locked).",
    )
    parser.set_defaults(func=_show)
    actions = parser.add_subparsers(dest="policy_action", metavar="ACTION")
    show_cmd = actions.add_parser("show", help="every effective value, its source and lock, and any problems")
    show_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    show_cmd.set_defaults(func=_show)
    check = actions.add_parser("check", help="validate a policy file (exit 0 valid, 1 with each error)")
    check.add_argument("file", type=Path)
    check.set_defaults(func=_check)
    actions.add_parser("path", help="where the policy files are").set_defaults(func=_path)
    set_cmd = actions.add_parser("set", help="change a key in your user file (not admin-locked keys)")
    set_cmd.add_argument("key", choices=list(SPECS), metavar="KEY")
    set_cmd.add_argument("value", metavar="VALUE", help='e.g. never, false, 0.75, "a, b" for a list')
    set_cmd.set_defaults(func=_set)
    unset = actions.add_parser("unset", help="remove a key from your user file (back to the default)")
    unset.add_argument("key", choices=list(SPECS), metavar="KEY")
    unset.set_defaults(func=_unset)


def _json_value(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def as_json(effective: EffectivePolicy) -> dict[str, Any]:
    return {
        "settings": {
            key: {"value": _json_value(s.value), "source": s.source, "locked": s.locked, "note": s.note}
            for key, s in effective.settings.items()
        },
        "problems": list(effective.problems),
        "history_pruning_paused": effective.prune_paused,
        "files": {"user": str(effective.user_path), "admin": str(effective.admin_path),
                  "admin_override": str(effective.override_path) if effective.override_path else None},
    }


def render(effective: EffectivePolicy) -> str:
    lines = [f"admin file: {effective.admin_path} ({file_state(effective.admin_path)})"]
    if effective.override_path is not None:
        lines.append(f"admin override (INHOUSE_ADMIN_POLICY, can only tighten): {effective.override_path} "
                     f"({file_state(effective.override_path)})")
    lines += [f"user file:  {effective.user_path}", ""]
    for spec in KEYS:
        s = effective.settings[spec.key]
        lock = "locked" if s.locked else ""
        lines.append(f"{spec.key:<34} {show(s.value):<22} {s.source:<8} {lock}".rstrip())
        if s.note:
            lines.append(f"    {s.note}")
    if effective.problems:
        lines += ["", "Problems (nothing is widened: the safest values are used instead):"]
        lines += [f"  - {problem}" for problem in effective.problems]
    if effective.prune_paused:
        lines += ["", f"History pruning is paused: {effective.prune_paused}."]
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    effective = load_policy()
    if getattr(args, "json", False):
        print(json.dumps(as_json(effective), indent=2))
    else:
        print(render(effective))
    return 0


def _check(args: argparse.Namespace) -> int:
    errors = check_file(args.file)
    for error in errors:
        print(error)
    if not errors:
        print(f"{args.file}: valid")
    return 1 if errors else 0


def _path(args: argparse.Namespace) -> int:
    print(f"user:     {paths.current().user_policy}")
    print(f"admin:    {paths.admin_policy_path()}")
    print(f"template: {TEMPLATE}")
    return 0


def _set(args: argparse.Namespace) -> int:
    save_user_setting(args.key, from_text(SPECS[args.key], args.value))
    setting = load_policy().settings[args.key]
    print(f"{args.key} = {show(setting.value)}" + (f"  ({setting.note})" if setting.note else ""))
    return 0


def _unset(args: argparse.Namespace) -> int:
    removed = remove_user_setting(args.key)
    setting = load_policy().settings[args.key]
    state = "removed from your file" if removed else "not set in your file"
    print(f"{args.key} {state}; now {show(setting.value)} ({setting.source})")
    return 0
