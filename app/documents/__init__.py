"""The one reader of user documents: ``read(path) -> Document(parts=[Part(text, page, offset)])``.

Formats, each through a well-kept parser: PDF (pypdf; scans by OCR when Tesseract is installed), Word
.docx (python-docx), e-mail .eml and .mbox (standard library), HTML (Beautiful Soup), and plain text
(.txt, .md, .csv, .jsonl ..., UTF-8/UTF-16, or Windows-1252/Latin-1 with a note). Every failure is an
``InputInvalid`` subclass with a hint (see ``errors``); sizes, pages, unpacked bytes and time are bounded
(``limits``). ``suffixes()`` is what the UI and the CLI accept; they keep no list of their own.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from app.documents.errors import (
    DocumentIsImage,
    DocumentLocked,
    DocumentTooLarge,
    DocumentUnreadable,
    FormatUnsupported,
    IsAFolder,
    NotARegularFile,
)
from app.documents.limits import DEFAULT, Limits
from app.documents.model import Document, Part

__all__ = [
    "Document", "DocumentIsImage", "DocumentLocked", "DocumentTooLarge", "DocumentUnreadable", "FormatUnsupported",
    "IsAFolder", "Limits", "NotARegularFile", "Part", "describe", "each", "kind_of", "read", "require_file", "suffixes",
]

KINDS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "email": (".eml",),
    "mbox": (".mbox",),
    "html": (".html", ".htm", ".xhtml"),
    "text": (".txt", ".text", ".md", ".markdown", ".log", ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".rst"),
}
TITLES = {"pdf": "PDF", "docx": "Word (.docx)", "email": "e-mail (.eml)", "mbox": "mailboxes (.mbox)",
          "html": "web pages (.html)", "text": "text (.txt, .md, .csv …)"}
_BY_SUFFIX = {suffix: kind for kind, group in KINDS.items() for suffix in group}
_OLD_FORMATS = {".doc": "Word 97-2003 (.doc)", ".rtf": "RTF", ".odt": "OpenDocument (.odt)", ".pages": "Pages"}


def suffixes() -> tuple[str, ...]:
    """Every file suffix ``read`` accepts (lower case, with the dot)."""
    return tuple(_BY_SUFFIX)


def describe() -> str:
    """The readable formats in words, for hints and tooltips."""
    return ", ".join(TITLES.values())


def kind_of(path: Path) -> str:
    """The format of ``path``: by suffix, or by its first bytes when the suffix says nothing."""
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in _OLD_FORMATS:
        raise FormatUnsupported(f"Inhouse cannot read {_OLD_FORMATS[suffix]} files like {path.name}.",
                                hint="Save it as .docx or PDF in its own program, then open that.")
    return _sniff(path)


def _sniff(path: Path) -> str:
    """By the first bytes: PDF, mailbox, zip (a .docx, or refused there); anything else is tried as text,
    where binary content is refused with its own message."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:
        return "text"  # the text reader says why it cannot be read
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"From "):
        return "mbox"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "docx"
    return "text"


def require_file(path: Path) -> None:
    """Nothing when ``path`` is a regular file (or a link to one); else the error that says what it is: missing,
    a folder, a named pipe / device / socket (never opened: reading one may wait for ever), not allowed."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DocumentUnreadable(f"No such file: {path}", hint="Check the name and folder.") from None
    except OSError as err:
        raise DocumentUnreadable(f"{path} could not be read: {err.strerror}.",
                                 hint="Check that the file exists and you may read it.") from None
    if stat.S_ISDIR(mode):
        raise IsAFolder(f"{path} is a folder, not a file.")
    if not stat.S_ISREG(mode):
        raise NotARegularFile(f"{path} is not a regular file (a named pipe, device or socket); Inhouse reads only "
                              "files.")


def read(path: Path | str, *, limits: Limits = DEFAULT, ocr: bool | None = None) -> Document:
    """Read one file. ``ocr``: None uses Tesseract for scans when it is installed, False never does."""
    path = Path(path)
    require_file(path)
    kind = kind_of(path)
    if kind == "pdf":
        from app.documents.pdf import read_pdf

        return read_pdf(path, limits, use_ocr=ocr)
    return _READERS[kind](path, limits)


def each(path: Path | str, *, limits: Limits = DEFAULT, ocr: bool | None = None) -> Iterator[tuple[str, Document]]:
    """``(key, document)`` for every item in a file: one per message of a mailbox, else the file itself.

    Items are read one at a time (a mailbox is never held whole in memory). ``key`` is "" for a plain file
    and the message number for a mailbox.
    """
    path = Path(path)
    if kind_of(path) == "mbox":
        from app.documents.mail import iter_mbox

        for n, message in iter_mbox(path, limits):
            yield str(n), message
        return
    yield "", read(path, limits=limits, ocr=ocr)


def _docx(path: Path, limits: Limits) -> Document:
    from app.documents.office import read_docx

    return read_docx(path, limits)


def _eml(path: Path, limits: Limits) -> Document:
    from app.documents.mail import read_eml

    return read_eml(path, limits)


def _mbox(path: Path, limits: Limits) -> Document:
    from app.documents.mail import read_mbox

    return read_mbox(path, limits)


def _html(path: Path, limits: Limits) -> Document:
    from app.documents.html import read_html

    return read_html(path, limits)


def _text(path: Path, limits: Limits) -> Document:
    from app.documents.text import read_text

    return read_text(path, limits)


# Readers are imported when first used (plain imports, so packagers see them): pypdf, python-docx and
# Beautiful Soup load only for the formats a user opens.
_READERS: dict[str, Callable[[Path, Limits], Document]] = {
    "docx": _docx, "email": _eml, "mbox": _mbox, "html": _html, "text": _text,
}
