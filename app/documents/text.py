"""Plain text: UTF-8 (BOM or not), UTF-16 with a BOM, and Windows-1252/Latin-1 read with a note."""

from __future__ import annotations

from pathlib import Path

from app.documents.errors import DocumentUnreadable
from app.documents.limits import Limits, check_size
from app.documents.model import Document, build

_CONTROL = {*range(0, 9), 11, *range(14, 32), 127}  # C0 controls that plain text does not contain


def decode(data: bytes, origin: str) -> tuple[str, str]:
    """Bytes to ``(text, note)``: ``note`` is empty for UTF-8/UTF-16 and says which legacy encoding was
    assumed otherwise. Binary data is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError as err:
            raise DocumentUnreadable(f"{origin} is not readable UTF-16 text.") from err
    head = data[:65536]
    if b"\x00" in head or sum(b in _CONTROL for b in head) > max(8, len(head) // 100):
        raise DocumentUnreadable(f"{origin} looks like a binary file, not text.",
                                 hint="Inhouse reads PDF, Word (.docx), e-mail (.eml, .mbox), web pages and text "
                                      "files. Open it in its own program and copy the text, or save it as PDF.")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as err:
        first_bad = err.start
    for encoding, title in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, (f"{origin} is not UTF-8 (byte {first_bad} is not valid UTF-8); it was read as {title}. "
                      "If letters look wrong, save the file as UTF-8.")
    raise DocumentUnreadable(f"{origin} is not text in a known encoding.")  # latin-1 decodes any bytes


def read_bytes(path: Path, limit: int) -> bytes:
    check_size(path.name, path.stat().st_size, limit)
    try:
        return path.read_bytes()
    except OSError as err:
        raise DocumentUnreadable(f"{path.name} could not be read: {err.strerror}.",
                                 hint="Check that the file exists and you may read it.") from err


def read_text(path: Path, limits: Limits) -> Document:
    text, note = decode(read_bytes(path, limits.text_bytes), path.name)
    return build(path.name, "text", [(text, None, "text", "")], (note,) if note else ())
