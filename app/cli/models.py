"""``inhouse models list | download | use | remove``: the local models.

``list [--json]`` shows the catalog, what is installed, which model is active and which one suits this
machine. ``download ID`` is the only command that goes online without an escalation: it fetches that
one file from the Hugging Face Hub (progress on stderr, Ctrl-C cancels and leaves nothing behind) and
verifies its SHA-256. ``use ID|PATH`` makes a model the one Inhouse loads; ``remove ID`` deletes a
downloaded model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO, TypeAlias

from app import models, paths
from app.cli.progress import progress_bar
from inference.catalog import ModelChoice
from inference.models import CatalogEntry, find_entry

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: SubParsers) -> None:
    parser = sub.add_parser("models", help="local models: list, download, choose, remove")
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    list_parser = actions.add_parser("list", help="the catalog, installed models, the active one, a recommendation")
    list_parser.add_argument("--json", action="store_true", help="print one JSON object")
    list_parser.set_defaults(func=run_list)
    download = actions.add_parser("download", help="download a catalog model from the Hugging Face Hub")
    download.add_argument("model_id", metavar="ID", help="a model ID from `inhouse models list`")
    download.add_argument("--use", action="store_true", help="use it from now on once it is verified")
    download.set_defaults(func=run_download)
    use = actions.add_parser("use", help="make a model the one Inhouse loads")
    use.add_argument("target", metavar="ID|PATH", help="a catalog model ID, or the path of a .gguf file")
    use.set_defaults(func=run_use)
    remove = actions.add_parser("remove", help="delete a downloaded model")
    remove.add_argument("model_id", metavar="ID", help="a model ID, or the file name of a downloaded model")
    remove.set_defaults(func=run_remove)


# --- list ----------------------------------------------------------------------------------------


def _entry_path(view: models.Overview, entry: CatalogEntry) -> Path | None:
    for item in view.installed:
        if item.entry_id == entry.id:
            return item.path
    return view.starter if entry.bundled else None


def _same(a: Path | None, b: Path | None) -> bool:
    return a is not None and b is not None and a.resolve() == b.resolve()


def overview_json(view: models.Overview) -> dict[str, Any]:
    active_path = view.active.path if view.active else None
    rows, active_id = [], None
    for entry in view.catalog:
        path = _entry_path(view, entry)
        is_active = _same(path, active_path)
        active_id = entry.id if is_active else active_id
        rows.append({**vars(entry), "installed": path is not None, "path": str(path) if path else None,
                     "active": is_active, "recommended": entry.id == view.recommendation.entry.id})
    others = [{"path": str(m.path), "size_bytes": m.size_bytes, "active": _same(m.path, active_path)}
              for m in view.installed if m.entry_id is None]
    active = None
    if view.active is not None:
        active = {"path": str(view.active.path), "source": view.active.source, "id": active_id}
    return {
        "active": active,
        "recommended": {"id": view.recommendation.entry.id, "reason": view.recommendation.reason},
        "hardware": {"ram_bytes": view.hardware.ram_bytes, "gpu": view.hardware.gpu, "cores": view.hardware.cores},
        "models": rows,
        "other_files": others,
        "models_dir": str(paths.current().models_dir),
    }


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def run_list(args: argparse.Namespace) -> int:
    data = overview_json(models.overview())
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    _print_list(data, sys.stdout)
    return 0


def _print_list(data: dict[str, Any], out: TextIO) -> None:
    active = data["active"]
    if active is None:
        print("No model is available: download one (below) or install the starter model.", file=out)
    else:
        print(f"Active model: {active['path']} ({_SOURCES.get(active['source'], active['source'])})", file=out)
    print(f"\n  {'ID':<14} {'SIZE':>7}  {'STATUS':<22} {'LICENSE':<28} GOOD FOR", file=out)
    for row in data["models"]:
        flags = [("bundled" if row["bundled"] else "installed") if row["installed"] else "",
                 "active" if row["active"] else "", "recommended" if row["recommended"] else ""]
        status = ", ".join(f for f in flags if f) or "-"
        mark = "*" if row["active"] else " "
        print(f"{mark} {row['id']:<14} {_size(row['size_bytes']):>7}  {status:<22} {row['license']:<28} "
              f"{row['good_for']}", file=out)
    for other in data["other_files"]:
        print(f"{'*' if other['active'] else ' '} {other['path']} ({_size(other['size_bytes'])})", file=out)
    print(f"\nRecommended here: {data['recommended']['id']} — {data['recommended']['reason']}", file=out)
    print("Download with `inhouse models download ID`; switch with `inhouse models use ID`.", file=out)


_SOURCES = {"starter": "the bundled starter model", "setting": "chosen with `inhouse models use`",
            "INHOUSE_MODEL": "set by INHOUSE_MODEL"}


# --- download, use, remove -----------------------------------------------------------------------


def run_download(args: argparse.Namespace) -> int:
    entry = find_entry(args.model_id, models.catalog())
    print(f"Downloading {entry.name} ({_size(entry.size_bytes)}, {entry.license}) from the Hugging Face Hub: "
          f"{entry.repo_id}", file=sys.stderr)
    with progress_bar(entry.id, bytes_=True) as progress:
        result = models.download_model(entry.id, progress)
    check = "SHA-256 verified" if result.verified == "sha256" else "size checked (no SHA-256 in the catalog)"
    print(f"{'Installed' if result.downloaded else 'Already installed'}: {result.path} ({check}).")
    if args.use:
        _print_choice(models.use_model(entry.id))
    else:
        print(f"Use it with `inhouse models use {entry.id}`.")
    return 0


def _print_choice(choice: ModelChoice) -> None:
    print(f"Inhouse will use {choice.path} ({_SOURCES.get(choice.source, choice.source)}).")
    if choice.source == "INHOUSE_MODEL":
        print("Note: INHOUSE_MODEL is set in this environment and overrides the chosen model.")


def run_use(args: argparse.Namespace) -> int:
    _print_choice(models.use_model(args.target))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    path = models.remove_model(args.model_id)
    print(f"Removed {path}.")
    return 0
