"""What a batch runs over: files, folders, mailboxes and record files, as items read one at a time.

- a folder: every readable document under it (sorted, hidden files skipped), one item per file, and one
  per message for a mailbox inside it; ids are paths relative to the folder (``inbox.mbox#3``);
- a ``.mbox``: one item per message; a PDF, Word file, e-mail, web page or Markdown file: one item;
- a ``.txt`` given directly: one item per non-empty line (ids are line numbers), as before;
- ``.jsonl`` (objects with "text", optional "id") and ``.csv`` (a "text" column, optional "id"): one per row.

``BatchSource`` counts items without reading documents, and yields ``Pending`` items whose text is read
only when ``load()`` is called, so a run skips finished items without opening them and never holds all
documents in memory. A document that cannot be read is an item whose ``load()`` raises (the batch records
the error and goes on).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app import documents
from app.documents import Document
from app.documents.limits import DEFAULT
from app.documents.mail import count_mbox, iter_mbox
from app.inputs import read_document, read_text_file
from app.json_files import loads
from inference.errors import InputInvalid

LINE_FILES = (".txt",)
RECORD_FILES = (".jsonl", ".ndjson", ".csv")


@dataclass(frozen=True)
class Pending:
    """One item of a batch: ``load()`` reads its text (and may raise ``InhouseError``)."""

    id: str
    source: str  # the file it comes from, for the results table
    load: Callable[[], str]


@dataclass(frozen=True)
class BatchItem:
    """An item whose text is already known (records, lines)."""

    id: str
    text: str


class BatchSource:
    def __init__(self, inputs: list[Path]) -> None:
        if not inputs:
            raise InputInvalid("Nothing to run over.", hint="Give a folder, files or a mailbox.")
        self.inputs = [Path(p) for p in inputs]
        for path in self.inputs:
            if not path.exists():
                raise InputInvalid(f"No such file or folder: {path}", hint="Check the name and folder.")
        self._single = len(self.inputs) == 1 and self.inputs[0].is_file()

    def count(self) -> int:
        """How many items, without reading any document (mailboxes are indexed, records are counted)."""
        return sum(1 for _ in self._keys())

    def __iter__(self) -> Iterator[Pending]:
        for path, prefix, in_folder in self._files():
            yield from self._items(path, prefix, in_folder)

    # -- files and their items -------------------------------------------------------------------------
    def _files(self) -> Iterator[tuple[Path, str, bool]]:
        """``(file, id prefix, found in a folder)``: a lone file's items are numbered bare (as before)."""
        for path in self.inputs:
            if path.is_dir():
                for file in folder_files(path):
                    yield file, file.relative_to(path).as_posix(), True
            else:
                yield path, "" if self._single else path.name, False

    def _items(self, path: Path, prefix: str, in_folder: bool) -> Iterator[Pending]:
        kind = _kind(path, in_folder)
        if kind == "mbox":
            for n, message in iter_mbox(path, DEFAULT):
                yield Pending(_join(prefix, str(n)), path.name, partial(_text_of, message))
        elif kind in ("lines", "records"):
            for item in record_items(path) if kind == "records" else line_items(path):
                yield Pending(_join(prefix, item.id), path.name, partial(str, item.text))
        else:
            yield Pending(prefix or path.name, path.name, partial(_read, path))

    def _keys(self) -> Iterator[str]:
        for path, prefix, in_folder in self._files():
            kind = _kind(path, in_folder)
            if kind == "mbox":
                yield from (_join(prefix, str(n)) for n in range(1, count_mbox(path) + 1))
            elif kind in ("lines", "records"):
                yield from (item.id for item in (record_items(path) if kind == "records" else line_items(path)))
            else:
                yield prefix or path.name


def _text_of(document: Document) -> str:
    return document.text


def _read(path: Path) -> str:
    return read_document(path).text


def _join(prefix: str, key: str) -> str:
    return f"{prefix}#{key}" if prefix else key


def _kind(path: Path, in_folder: bool) -> str:
    """How a file splits into items: a mailbox by message; a .txt/.jsonl/.csv given directly by line or
    row; anything else (and every text file found in a folder) is one document."""
    suffix = path.suffix.lower()
    if not in_folder and suffix in LINE_FILES:
        return "lines"
    if not in_folder and suffix in RECORD_FILES:
        return "records"
    try:
        return "mbox" if documents.kind_of(path) == "mbox" else "document"
    except InputInvalid:
        return "document"  # its load() raises the reader's error for the results table


def folder_files(folder: Path) -> list[Path]:
    """Readable documents under ``folder`` (recursive, sorted), skipping hidden files and folders."""
    accepted = set(documents.suffixes())
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative) or not path.is_file():
            continue
        if path.suffix.lower() in accepted:
            found.append(path)
    return found


def line_items(path: Path) -> list[BatchItem]:
    text = read_text_file(path)
    return [BatchItem(str(n), line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def record_items(path: Path) -> list[BatchItem]:
    text = read_text_file(path)
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "text" not in rows[0]:
            raise InputInvalid(f"{path.name} needs a header row with a 'text' column.")
        return [BatchItem(str(r.get("id") or n), r["text"]) for n, r in enumerate(rows, 1) if r.get("text")]
    return list(_jsonl_items(text, path))


def _jsonl_items(text: str, path: Path) -> Iterator[BatchItem]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = loads(line, f"{path.name} line {n}")
        except json.JSONDecodeError as err:
            raise InputInvalid(f"{path.name} line {n} is not JSON: {err.msg}.") from err
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputInvalid(f"{path.name} line {n} needs a \"text\" string.")
        yield BatchItem(str(obj.get("id", n)), obj["text"])
