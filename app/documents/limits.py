"""Bounds on what a reader accepts, so a huge, hostile or broken file gives an error instead of a hang."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.documents.errors import DocumentTooLarge

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    text_bytes: int = 8 * MB  # plain text, HTML, e-mail
    file_bytes: int = 64 * MB  # PDF, DOCX
    mbox_bytes: int = 1024 * MB  # a mailbox is read message by message
    message_bytes: int = 16 * MB  # one message of a mailbox
    pages: int = 2000
    chars: int = 4_000_000  # text extracted from one document (about 1,000 pages of prose)
    unzipped_bytes: int = 256 * MB  # what a DOCX (a zip) may unpack to
    zip_ratio: int = 200  # compressed:uncompressed beyond this is a zip bomb
    seconds: float = 60.0  # reading one document


DEFAULT = Limits()


class Budget:
    """Counts characters and time while a reader works; ``check`` raises once either runs out."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.chars = 0
        self.deadline = time.monotonic() + limits.seconds

    def add(self, text: str) -> str:
        self.chars += len(text)
        self.check()
        return text

    def check(self) -> None:
        if self.chars > self.limits.chars:
            raise DocumentTooLarge(f"{self.name} holds more than {self.limits.chars:,} characters of text.")
        if time.monotonic() > self.deadline:
            raise DocumentTooLarge(f"Reading {self.name} took longer than {self.limits.seconds:.0f} seconds; "
                                   "it was stopped.")


def check_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise DocumentTooLarge(f"{name} is {size / MB:.1f} MB; Inhouse reads files of this kind up to "
                               f"{limit // MB} MB.")
