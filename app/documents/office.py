"""Word documents (.docx) with python-docx: paragraphs and tables in reading order, tables as text rows.

A .docx is a zip: its members are checked before anything is unpacked (total size, compression ratio),
so a zip bomb is refused instead of filling memory. python-docx parses with entity resolution off.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from app.documents.errors import DocumentLocked, DocumentTooLarge, DocumentUnreadable, FormatUnsupported
from app.documents.limits import Budget, Limits, check_size
from app.documents.model import Document, PartKind, build

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted .docx, or an old Word 97-2003 .doc


def read_docx(path: Path, limits: Limits) -> Document:
    check_size(path.name, path.stat().st_size, limits.file_bytes)
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == OLE_MAGIC:
        raise DocumentLocked(f"{path.name} is password-protected (or an old Word 97-2003 file saved as .docx).",
                             hint="Open it in Word, remove the password (or save it as .docx), then try again.")
    check_zip(path, limits)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        pieces = _pieces(document, Budget(path.name, limits))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise DocumentUnreadable(f"{path.name} is not a readable Word document ({err}).") from err
    return build(path.name, "docx", pieces)


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse a damaged zip, or one that would unpack to more than the limits allow."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as err:
        raise DocumentUnreadable(f"{path.name} is damaged or truncated (not a complete .docx).") from err
    total = sum(m.file_size for m in members)
    if total > limits.unzipped_bytes:
        raise DocumentTooLarge(f"{path.name} unpacks to {total / 1e6:,.0f} MB; the limit is "
                               f"{limits.unzipped_bytes / 1e6:,.0f} MB.")
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > limits.zip_ratio * max(1, m.compress_size):
            raise DocumentTooLarge(f"{path.name} looks like a zip bomb ({m.filename} unpacks "
                                   f"{m.file_size // max(1, m.compress_size):,}x).")
    if "word/document.xml" not in {m.filename for m in members}:
        raise FormatUnsupported(f"{path.name} is a zip file but not a Word document.")


def _pieces(document: Any, budget: Budget) -> list[tuple[str, int | None, PartKind, str]]:
    from docx.table import Table

    pieces: list[tuple[str, int | None, PartKind, str]] = []
    paragraph: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            if paragraph:
                pieces.append(("\n".join(paragraph), None, "text", ""))
                paragraph = []
            pieces.append((budget.add(table_text(block)), None, "table", "table"))
        elif block.text.strip():
            paragraph.append(budget.add(block.text))
    if paragraph:
        pieces.append(("\n".join(paragraph), None, "text", ""))
    return pieces


def table_text(table: Any) -> str:
    """One line per row, cells separated by " | " (a merged cell once, not once per grid column)."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)
