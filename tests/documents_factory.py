"""Real documents for the tests, written by well-kept libraries (fpdf2, python-docx, the standard library).

Nothing here is a checked-in binary: every file is generated in the test's own folder.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def write_pdf(path: Path, pages: list[str], *, password: str | None = None, owner_only: bool = False) -> Path:
    """One page per string. ``password``: the user password (or, with ``owner_only``, only an owner password:
    the file opens without one, as most "protected" PDFs do)."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    if password is not None:
        pdf.set_encryption(owner_password=password + "-owner", user_password=None if owner_only else password,
                           encryption_method=EncryptionMethod.AES_128)
    pdf.output(str(path))
    return path


def write_scan_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF whose only content is a picture of text (a scan: no text layer)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40) if FONT.exists() else ImageFont.load_default()
    for n, line in enumerate(lines):
        draw.text((40, 40 + 70 * n), line, fill=0, font=font)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None,
               after: list[str] | None = None) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in after or []:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def message(sender: str, subject: str, body: str, date: str = "Mon, 23 Nov 2026 09:15:00 +0000",
            to: str = "desk@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, date
    msg.set_content(body)
    return msg


def write_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path, create=True)
    try:
        for msg in messages:
            box.add(msg)
        box.flush()
    finally:
        box.close()
    return path
