"""User input (files, stdin) to text. Documents of every format go through ``app.documents``.

``read_document`` is what the CLI's ``--file`` and the app's Open/drop use (PDF, Word, e-mail, HTML, text);
``read_text_file`` reads plain-text files that carry data (schemas, examples, one item per line).
Text in Windows-1252/Latin-1 is read, with a note, instead of being refused.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from app import documents
from app.documents import Document
from app.documents.limits import DEFAULT
from app.documents.text import decode, read_bytes
from inference.errors import InputInvalid

__all__ = ["Document", "accepted_suffixes", "decode_text", "labelled_rows", "read_document", "read_text_file"]


def decode_text(data: bytes, origin: str) -> str:
    """Bytes to text: UTF-8, UTF-16 with BOM, or Windows-1252/Latin-1; binary data is refused."""
    return decode(data, origin)[0]


def read_text_file(path: Path) -> str:
    """A plain-text file as it is (no format conversion); see ``decode_text`` for encodings."""
    path = Path(path)
    documents.require_file(path)
    return decode(read_bytes(path, DEFAULT.text_bytes), path.name)[0]


def read_document(path: Path) -> Document:
    """Any readable document (see ``app.documents``); one with no text at all is an error."""
    document = documents.read(Path(path))
    if not document.text.strip():
        raise InputInvalid(f"{Path(path).name} has no text.", hint="Choose a file that contains some text.")
    return document


def accepted_suffixes() -> tuple[str, ...]:
    """What Open and drop accept (the UI asks; it keeps no list of its own)."""
    return documents.suffixes()


_EXAMPLES_HINT = ('Write a CSV whose first line is text,label and one example per row, e.g.: '
                  '"Where is my card?",delivery')


def labelled_rows(content: str, origin: str) -> tuple[tuple[str, str], ...]:
    """``(text, label)`` pairs from CSV text with the columns text,label (a header in any case): every row must
    have both (a row without is an error naming its line, never silently dropped), and there must be at
    least one. Quoted texts may span lines."""
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        if not {"text", "label"} <= {(name or "").strip().lower() for name in reader.fieldnames or ()}:
            raise InputInvalid(f"{origin} needs a header row with the columns text,label.", hint=_EXAMPLES_HINT)
        examples = []
        for row in reader:
            values = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            if not values.get("text") or not values.get("label"):
                raise InputInvalid(f"{origin}, line {reader.line_num}: an example needs both a text and a label.",
                                   hint=_EXAMPLES_HINT)
            examples.append((values["text"], values["label"]))
    except csv.Error as err:
        raise InputInvalid(f"{origin}, line {reader.line_num}: not a readable CSV row ({err}).",
                           hint=_EXAMPLES_HINT) from None
    if not examples:
        raise InputInvalid(f"{origin} has a header but no examples.", hint=_EXAMPLES_HINT)
    return tuple(examples)
