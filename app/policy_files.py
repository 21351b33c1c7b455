"""Reading policy files: one file at a time, into a ``Layer`` of valid values, safest keys and problems.

``app.policy`` combines the layers (defaults < user < admin, tightened by ``INHOUSE_ADMIN_POLICY``) into
the typed view. Reading never blocks (a FIFO is refused, not read) and never raises for what is at a path:
a file that cannot be used is a problem reported, every key it could set at its safest value.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.policy_schema import SPECS, Issue, parse_document, show

LayerName = Literal["user", "admin", "admin override"]
MAX_POLICY_BYTES = 1_000_000


@dataclass(frozen=True)
class Layer:
    """What one file contributes: valid values, keys falling back to safest, and problems found."""

    name: LayerName
    path: Path
    values: dict[str, object] = field(default_factory=dict)
    safest_keys: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()

    @property
    def touched(self) -> frozenset[str]:
        return frozenset(self.values) | self.safest_keys


def read_document(path: Path) -> tuple[dict[str, object] | None, str]:
    """``(document, "")``, ``(None, "")`` when the file does not exist, or ``(None, why)`` when unusable.

    Never blocks (a FIFO is refused, not read) and never raises for what is at ``path``."""
    try:
        data = _read_regular_file(path)
    except FileNotFoundError:
        return (None, "is a link to a file that does not exist") if _is_link(path) else (None, "")
    except _NotRegular as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        return tomllib.loads(data.decode("utf-8")), ""
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        return None, f"is not valid TOML ({exc})"
    except RecursionError:  # tomllib recurses per nested array / inline table
        return None, "nests arrays or tables too deeply to be a policy file"


class _NotRegular(OSError):
    pass


def _read_regular_file(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular("is not a regular file (a folder, a pipe or a device)")
        data = fh.read(MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise _NotRegular(f"is larger than {MAX_POLICY_BYTES // 1_000_000} MB")
    return data


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:
        return False


def file_state(path: Path | None) -> str:
    """"present", "not present" or why it cannot be used (for `policy show` and `doctor`); never raises."""
    if path is None:
        return "not set"
    doc, why = read_document(path)
    return why if why else ("present" if doc is not None else "not present")


def _ignored(issue: Issue, name: LayerName) -> bool:
    """A user file's unknown section is reported and ignored: it is no reason to discard the valid rest."""
    return name == "user" and issue.unknown_section


def _consequence(issue: Issue, name: LayerName) -> str:
    locked = " (locked)" if name != "user" else ""
    if _ignored(issue, name):
        return "the section is ignored; every other setting in the file applies"
    if len(issue.keys) == 1:
        (key,) = issue.keys
        return f"using the safest value {show(SPECS[key].safest)}{locked} until it is fixed"
    sections = {SPECS[key].section for key in issue.keys}
    scope = f"[{sections.pop()}] setting" if len(sections) == 1 else "setting"
    return f"every {scope} the file does not set validly uses its safest value{locked} until it is fixed"


def read_layer(name: LayerName, path: Path) -> Layer:
    """Read and validate one policy file; never raises for a bad file."""
    label = f"{name} policy {path}"
    doc, why = read_document(path)
    if doc is None and not why:
        return Layer(name, path)
    if doc is None:
        locked = " (locked)" if name != "user" else ""
        problem = f"{label}: {why}; every setting it could change uses its safest value{locked} until fixed"
        return Layer(name, path, safest_keys=frozenset(SPECS), problems=(problem,))
    parsed = parse_document(doc)
    problems = tuple(
        f"{label}: {issue.where + ': ' if issue.where else ''}{issue.message}; {_consequence(issue, name)}"
        for issue in parsed.issues
    )
    tried: frozenset[str] = frozenset().union(*(i.keys for i in parsed.issues if not _ignored(i, name)))
    return Layer(name, path, parsed.values, tried - parsed.values.keys(), problems)


def check_file(path: Path) -> list[str]:
    """Every error in the policy file at ``path``, each naming the key and the fault; empty when valid."""
    doc, why = read_document(path)
    if doc is None:
        return [f"{path}: {why or 'no such file'}"]
    return [f"{path}: {i.where + ': ' if i.where else ''}{i.message}" for i in parse_document(doc).issues]
