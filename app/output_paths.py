"""Checks on a file the user asks us to write (``--output``, ``--export``, ``--html``, an export PATH), made
before any work starts, so a wrong path is a clear error rather than a traceback after the work is done."""

from __future__ import annotations

from pathlib import Path

from inference.errors import InputInvalid


def writable_file(path: Path, option: str, *, create_parent: bool = False) -> Path:
    """``path`` if a file can be written there: not a folder, and (unless ``create_parent``) in a folder
    that exists. ``option`` names where the path came from, for the message (``--output``)."""
    path = Path(path)
    if path.is_dir():
        raise InputInvalid(f"{option} {path}: that is a folder, not a file.",
                           hint=f"Give a file name, e.g. {path / 'results.jsonl'}" if option == "--output"
                           else "Give a file name inside that folder.")
    parent = path.parent
    if not create_parent and not parent.is_dir():
        raise InputInvalid(f"{option} {path}: the folder {parent} does not exist.",
                           hint="Create the folder first, or choose a path in an existing one.")
    if parent.exists() and not parent.is_dir():
        raise InputInvalid(f"{option} {path}: {parent} is a file, not a folder.", hint="Choose another path.")
    return path


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (resolved; also through links when both exist)."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
