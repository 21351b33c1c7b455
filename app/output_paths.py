"""Checks on a path the user asks us to write (``--output``, ``--export``, ``--html``, ``--report``,
``--screenshot``, an export PATH), made before any work starts, so a wrong path is a clear error rather
than a traceback after the work is done.

One rule for every command, as a careful desktop tool does it: Inhouse never creates folders the user did
not ask for. A file goes into a folder that exists (a typo such as ``~/Docments/out.csv`` is an error that
names the missing folder, not a new folder somewhere); a report folder (``--report DIR``) is created, but
only inside a folder that exists.
"""

from __future__ import annotations

from pathlib import Path

from inference.errors import InputInvalid


def writable_file(path: Path, option: str) -> Path:
    """``path`` if a file can be written there: not a folder, in a folder that exists. ``option`` names
    where the path came from, for the message (``--output``)."""
    path = Path(path)
    if path.is_dir():
        raise InputInvalid(f"{option} {path}: that is a folder, not a file.",
                           hint=f"Give a file name, e.g. {path / 'results.jsonl'}" if option == "--output"
                           else "Give a file name inside that folder.")
    _existing_folder(path.parent, f"{option} {path}")
    return path


def writable_folder(path: Path, option: str) -> Path:
    """``path`` if it is a folder, or can be made one (not a file; its own folder exists). Nothing is
    created here: the writer creates this one folder when it writes."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputInvalid(f"{option} {path}: that is a file, not a folder.", hint="Give a folder, e.g. report/.")
    if not path.exists():
        _existing_folder(path.parent, f"{option} {path}")
    return path


def _existing_folder(parent: Path, what: str) -> None:
    if parent.exists() and not parent.is_dir():
        raise InputInvalid(f"{what}: {parent} is a file, not a folder.", hint="Choose another path.")
    if not parent.is_dir():
        raise InputInvalid(f"{what}: the folder {parent} does not exist; Inhouse does not create folders you "
                           "did not ask for.", hint=f"Create it first (mkdir -p {parent}), or choose a path in "
                                                    "an existing folder.")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (resolved; also through links when both exist)."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
