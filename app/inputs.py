"""Reading user input (files, stdin) into text, with clear errors for what is not text."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from inference.errors import InputInvalid

MAX_FILE_BYTES = 8 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".eml", ".csv", ".log", ""}


def decode_text(data: bytes, origin: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputInvalid(f"{origin} is not readable UTF-16 text.") from err
    if b"\x00" in data[:65536]:
        raise InputInvalid(f"{origin} looks like a binary file, not text.", hint="Open a plain-text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputInvalid(
            f"{origin} is not UTF-8 text (byte {err.start} cannot be decoded).",
            hint="Save the file as UTF-8, or paste the text instead.",
        ) from err


def read_text_file(path: Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise InputInvalid(f"No such file: {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputInvalid(f"{path.name} is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB.",
                           hint="Split the document and run the parts separately.")
    text = decode_text(path.read_bytes(), path.name)
    return email_body(text) if path.suffix.lower() == ".eml" else text


def email_body(raw: str) -> str:
    """The readable part of an e-mail (.eml): subject, sender and the plain-text body."""
    msg = email.message_from_string(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html")) if hasattr(msg, "get_body") else None
    content = body.get_content() if body is not None else msg.get_payload()
    header = "\n".join(f"{h}: {msg[h]}" for h in ("From", "Subject") if msg[h])
    return f"{header}\n\n{content}".strip() if header else str(content)
