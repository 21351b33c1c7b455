"""What a reader returns: a document as parts, each knowing its page and where it sits in the whole text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PartKind = Literal["text", "table", "header", "quote"]
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Part:
    """A piece of a document. ``page`` is 1-based (PDF pages; None where a format has no pages), ``offset``
    the character offset of ``text`` in ``Document.text``. ``kind`` says what it is: running text, a table
    rendered as text, an e-mail header block, or a quoted reply (marked, so a task can tell it apart)."""

    text: str
    page: int | None = None
    offset: int = 0
    kind: PartKind = "text"
    label: str = ""  # e.g. "message 3" in a mailbox


@dataclass(frozen=True)
class Document:
    """A readable document: ``parts`` in reading order; ``notes`` tell the user how it was read (e.g. an
    encoding guess or OCR), ``meta`` carries format facts (sender, subject, date, page count)."""

    name: str
    kind: str
    parts: tuple[Part, ...]
    notes: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return SEPARATOR.join(part.text for part in self.parts)

    @property
    def pages(self) -> int:
        return max((part.page or 0 for part in self.parts), default=0)

    def part_at(self, offset: int) -> Part | None:
        """The part holding character ``offset`` of ``text`` (None outside every part)."""
        for part in self.parts:
            if part.offset <= offset < part.offset + len(part.text):
                return part
        return None

    def page_at(self, offset: int) -> int | None:
        part = self.part_at(offset)
        return part.page if part is not None else None


def build(name: str, kind: str, pieces: list[tuple[str, int | None, PartKind, str]],
          notes: tuple[str, ...] = (), meta: dict[str, str] | None = None) -> Document:
    """A document from ``(text, page, kind, label)`` pieces; empty pieces are dropped, offsets computed."""
    parts: list[Part] = []
    offset = 0
    for text, page, kind_, label in pieces:
        text = text.strip("\n")
        if not text.strip():
            continue
        parts.append(Part(text, page, offset, kind_, label))
        offset += len(text) + len(SEPARATOR)
    return Document(name, kind, tuple(parts), notes, meta or {})
