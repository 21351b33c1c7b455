"""What classifier and extractor profile files share: names, float arrays as base64, atomic writes, and
reading a file up to its checked JSON (``read_document``; each kind then reads its own fields).

Profiles are data only (JSON, weights as base64 little-endian float32), never pickle, so importing a file
cannot run code; every array is checked for its shape and for non-finite numbers when it is read.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.json_files import loads
from inference.errors import InhouseError, InputInvalid

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_EXAMPLE_CHARS = 20_000
SOURCES = ("user", "correction", "frontier", "import")  # where an example came from (a frontier one: accepted)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
F32Array = np.ndarray[Any, np.dtype[np.float32]]


def check_name(name: str, kind: str = "classifier") -> str:
    if not NAME_PATTERN.match(name):
        raise InputInvalid(
            f"'{name}' cannot be a {kind} name: use 1 to 64 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit.", hint="Choose another name.")
    return name


def array_to_json(array: Any) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(data.shape), "float32": base64.b64encode(data.tobytes()).decode("ascii")}


def array_from_json(data: dict[str, Any], shape: tuple[int, ...], origin: str,
                    error: type[InhouseError]) -> F32Array:
    """The array in ``data``, which must have ``shape``; anything wrong raises ``error``."""
    if tuple(data["shape"]) != shape:
        raise error(f"{origin} is damaged: an array has shape {data['shape']}, expected {list(shape)}.")
    try:
        raw = base64.b64decode(data["float32"], validate=True)
    except (binascii.Error, ValueError) as err:
        raise error(f"{origin} is damaged: the weights are not valid base64.") from err
    if len(raw) != 4 * int(np.prod(shape)):
        raise error(f"{origin} is damaged: the weights have the wrong length.")
    array = np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if not np.isfinite(array).all():
        raise error(f"{origin} is damaged: the weights contain non-finite numbers.")
    return array


ARRAY_SCHEMA = {
    "type": "object", "required": ["shape", "float32"],
    "properties": {"shape": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 2},
                   "float32": {"type": "string"}},
}  # fmt: skip


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write (e.g. PATH is a folder) leaves no temp file behind
        raise


@dataclass(frozen=True)
class FileKind:
    """What tells one kind of profile file from another: its noun, format tag, version and error."""

    noun: str  # "classifier"
    article: str  # "a" or "an", before the noun
    format: str  # the file's "format" value, e.g. "inhouse-classifier"
    version: int
    invalid: type[InhouseError]  # raised for anything wrong with a file

    @property
    def a_noun(self) -> str:
        return f"{self.article} {self.noun}"


STAMP_SCHEMA = {"type": "string", "maxLength": 64}


def envelope_json(kind: FileKind, name: str, revision: int, created: str, updated: str) -> dict[str, Any]:
    """The fields every profile file starts with (the kind's own follow)."""
    return {"format": kind.format, "format_version": kind.version, "name": name, "revision": revision,
            "created": created, "updated": updated}


def envelope_schema(kind: FileKind, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a kind's file: the envelope's fields, then the kind's ``properties``."""
    return {
        "type": "object", "required": ["format", "format_version", "name", "revision", "created", "updated", *required],
        "properties": {
            "format": {"const": kind.format}, "format_version": {"const": kind.version}, "name": {"type": "string"},
            "revision": {"type": "integer", "minimum": 1}, "created": STAMP_SCHEMA, "updated": STAMP_SCHEMA,
            **properties,
        },
    }  # fmt: skip


def read_document(raw: bytes, origin: str, kind: FileKind, schema: dict[str, Any]) -> dict[str, Any]:
    """A profile file's JSON, checked for size, format, version and ``schema``; else ``kind.invalid``."""
    if len(raw) > MAX_FILE_BYTES:
        raise kind.invalid(f"{origin} is {len(raw) / 1e6:.0f} MB; {kind.a_noun} file is at most "
                           f"{MAX_FILE_BYTES // 1_000_000} MB.")
    try:
        data = loads(raw.decode("utf-8"), origin)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise kind.invalid(f"{origin} is not {kind.a_noun} file (not valid JSON: {err}).") from err
    if not isinstance(data, dict) or data.get("format") != kind.format:
        raise kind.invalid(f"{origin} is not an Inhouse {kind.noun} file.")
    if isinstance(data.get("format_version"), int) and data["format_version"] > kind.version:
        raise kind.invalid(f"{origin} was written by a newer Inhouse (format {data['format_version']}).",
                           hint="Nothing was imported. Update Inhouse, then import it again.")
    import jsonschema  # loaded only when a profile file is read (a plain classify reads none, #11)

    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "the top level"
        raise kind.invalid(f"{origin} is damaged: {err.message} (at {where}).") from err
    if not NAME_PATTERN.match(data["name"]):
        raise kind.invalid(f"{origin} is damaged: '{data['name']}' is not a valid {kind.noun} name.")
    return data
