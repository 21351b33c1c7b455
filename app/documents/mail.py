"""E-mail: one message (.eml) or a mailbox (.mbox, one item per message), with the standard library.

Each message becomes a header part (From, To, Date, Subject: kept for threads) and its body; quoted
replies (lines starting with ">", an "On ... wrote:" line above them, or everything below an
"-----Original Message-----" line) are separate parts of kind "quote", labelled "quoted reply".
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from app.documents.errors import DocumentTooLarge, DocumentUnreadable
from app.documents.html import html_text
from app.documents.limits import Budget, Limits, check_size
from app.documents.model import Document, PartKind, build
from app.documents.text import read_bytes

HEADERS = ("From", "To", "Cc", "Date", "Subject")
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message)\s*-{2,}\s*$", re.IGNORECASE)
Piece = tuple[str, int | None, PartKind, str]


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)  # the default policy's factory
    return msg


def message_pieces(msg: EmailMessage, label: str = "") -> tuple[list[Piece], dict[str, str]]:
    meta = {h.lower(): _header(msg, h) for h in HEADERS if msg[h] is not None}
    header = "\n".join(f"{h}: {meta[h.lower()]}" for h in HEADERS if h.lower() in meta)
    pieces: list[Piece] = [(header, None, "header", label)] if header else []
    pieces += [(text, None, kind, label or ("quoted reply" if kind == "quote" else ""))
               for text, kind in split_quotes(body_text(msg))]
    attachments = [part.get_filename() or "unnamed" for part in msg.iter_attachments()]
    if attachments:
        meta["attachments"] = ", ".join(str(a) for a in attachments)
    return pieces, meta


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(msg[name]).split())
    except (ValueError, TypeError, IndexError):  # a malformed header: keep its raw text
        return " ".join(str(msg.get_all(name, [""])[0]).split())


def body_text(msg: EmailMessage) -> str:
    """The plain-text body, or the HTML body as text; empty when the message has neither."""
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return "" if msg.is_multipart() else str(msg.get_payload())
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: fall back to Latin-1, which reads any bytes
        raw = body.get_payload(decode=True)
        content = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
    return html_text(content)[1] if body.get_content_type() == "text/html" else str(content)


def split_quotes(body: str) -> list[tuple[str, PartKind]]:
    """The body as alternating own text and quoted replies, in order."""
    blocks: list[tuple[list[str], PartKind]] = []
    lines = body.replace("\r\n", "\n").split("\n")
    for n, line in enumerate(lines):
        if _ORIGINAL.match(line):
            blocks.append((lines[n:], "quote"))
            break
        quoted = line.lstrip().startswith(">") or _attribution(lines, n)
        kind: PartKind = "quote" if quoted else "text"
        if blocks and blocks[-1][1] == kind:
            blocks[-1][0].append(line)
        else:
            blocks.append(([line], kind))
    return [("\n".join(block).strip(), kind) for block, kind in blocks if "\n".join(block).strip()]


def _attribution(lines: list[str], n: int) -> bool:
    """"On Mon, Ann wrote:" (in any language): a line ending with ":" right before a quoted line."""
    line = lines[n].rstrip()
    following = next((x for x in lines[n + 1:] if x.strip()), "")
    return line.endswith(":") and following.lstrip().startswith(">")


def read_eml(path: Path, limits: Limits) -> Document:
    pieces, meta = message_pieces(parse(read_bytes(path, limits.text_bytes)))
    Budget(path.name, limits).add("".join(p[0] for p in pieces))
    return build(path.name, "email", pieces, meta=meta)


def iter_mbox(path: Path, limits: Limits) -> Iterator[tuple[int, Document]]:
    """``(number, message)`` for each message of a mailbox, read one at a time (1-based numbers)."""
    check_size(path.name, path.stat().st_size, limits.mbox_bytes)
    box = _open_mbox(path)
    try:
        for n, key in enumerate(box.iterkeys(), 1):
            data = box.get_bytes(key)
            if len(data) > limits.message_bytes:
                raise DocumentTooLarge(f"Message {n} of {path.name} is {len(data) / 1e6:.0f} MB; the limit is "
                                       f"{limits.message_bytes // 1_000_000} MB per message.")
            pieces, meta = message_pieces(parse(data), f"message {n}")
            yield n, build(f"{path.name} #{n}", "email", pieces, meta=meta)
    finally:
        box.close()


def count_mbox(path: Path) -> int:
    box = _open_mbox(path)
    try:
        return len(box)
    finally:
        box.close()


def _open_mbox(path: Path) -> mailbox.mbox:
    try:
        return mailbox.mbox(path, create=False)
    except (OSError, mailbox.Error) as err:
        raise DocumentUnreadable(f"{path.name} is not a readable mailbox ({err}).") from err


def read_mbox(path: Path, limits: Limits) -> Document:
    """A whole mailbox as one document (for the single-text views): each message's parts labelled."""
    budget = Budget(path.name, limits)
    pieces: list[Piece] = []
    for _, message in iter_mbox(path, limits):
        for part in message.parts:
            pieces.append((budget.add(part.text), None, part.kind, part.label))
    if not pieces:
        raise DocumentUnreadable(f"{path.name} holds no e-mail messages.",
                                 hint="Export the mailbox again as .mbox (one file with every message).")
    return build(path.name, "mbox", pieces, meta={"messages": str(count_mbox(path))})
