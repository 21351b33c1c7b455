"""User input (files, stdin) to text. Documents of every format go through ``app.documents``.

``read_document`` is what the CLI's ``--file`` and the app's Open/drop use (PDF, Word, e-mail, HTML, text);
``read_text_file`` reads plain-text files that carry data (schemas, examples, one item per line).
Text in Windows-1252/Latin-1 is read, with a note, instead of being refused.
"""

from __future__ import annotations

from pathlib import Path

from app import documents
from app.documents import Document
from app.documents.limits import DEFAULT
from app.documents.text import decode, read_bytes
from inference.errors import InputInvalid

__all__ = ["Document", "accepted_suffixes", "decode_text", "read_document", "read_text_file"]


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
