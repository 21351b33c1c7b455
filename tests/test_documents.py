"""The document reader on real files written by well-kept libraries: text, pages, tables, mail, limits."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from app import documents
from app.documents import (
    DocumentIsImage,
    DocumentLocked,
    DocumentTooLarge,
    DocumentUnreadable,
    FormatUnsupported,
    Limits,
)
from app.documents import ocr as ocr_module
from tests.documents_factory import message, write_docx, write_mbox, write_pdf, write_scan_pdf

INVOICE = "Invoice 2026-114 from Nordlicht Café GmbH. Total due: €1,250.00 by 15 December 2026."


def test_pdf_pages_keep_their_numbers_and_offsets(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "report.pdf", ["First page about apples.", "Second page about pears.", INVOICE])
    doc = documents.read(path)
    assert doc.kind == "pdf" and doc.pages == 3
    assert [p.page for p in doc.parts] == [1, 2, 3]
    assert "€1,250.00" in doc.parts[2].text and "Café" in doc.parts[2].text
    where = doc.text.index("pears")
    assert doc.page_at(where) == 2
    for part in doc.parts:
        assert doc.text[part.offset:part.offset + len(part.text)] == part.text


def test_pdf_with_owner_password_only_opens(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "restricted.pdf", [INVOICE], password="s3cret", owner_only=True)
    assert "Nordlicht" in documents.read(path).text


def test_password_protected_pdf_is_a_clear_error(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "locked.pdf", [INVOICE], password="s3cret")
    with pytest.raises(DocumentLocked, match="password-protected") as err:
        documents.read(path)
    assert "password" in err.value.hint


def test_scan_without_text_layer_says_it_needs_ocr(tmp_path: Path) -> None:
    path = write_scan_pdf(tmp_path / "scan.pdf", ["Invoice 42", "Total 99.00"])
    with pytest.raises(DocumentIsImage, match="this PDF|is an image") as err:
        documents.read(path, ocr=False)
    assert "cannot read it without OCR" in str(err.value)
    assert "Tesseract" in err.value.hint


@pytest.mark.skipif(not ocr_module.available(), reason="Tesseract is not installed (OCR is optional)")
def test_scan_is_read_by_ocr_when_tesseract_is_installed(tmp_path: Path) -> None:
    path = write_scan_pdf(tmp_path / "scan.pdf", ["Invoice 42", "Total 99.00"])
    doc = documents.read(path)
    assert "Invoice" in doc.text and doc.meta["ocr"] == "tesseract"
    assert any("OCR" in note for note in doc.notes)


def test_corrupt_and_truncated_pdf(tmp_path: Path) -> None:
    good = write_pdf(tmp_path / "good.pdf", [INVOICE] * 3)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises((DocumentUnreadable, DocumentIsImage)):
        documents.read(cut, ocr=False)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(DocumentUnreadable, match="not a readable PDF"):
        documents.read(junk)


def test_page_and_size_limits(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "long.pdf", [f"Page {n}" for n in range(1, 13)])
    with pytest.raises(DocumentTooLarge, match="12 pages"):
        documents.read(path, limits=Limits(pages=10))
    with pytest.raises(DocumentTooLarge, match="MB"):
        documents.read(path, limits=Limits(file_bytes=100))
    with pytest.raises(DocumentTooLarge, match="characters"):
        documents.read(path, limits=Limits(chars=20))


def test_docx_paragraphs_and_tables_in_reading_order(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "report.docx", ["Quarterly report", "Sales rose in the north."],
                      table=[["Region", "Sales"], ["North", "1,200"], ["South", "950"]],
                      after=["Signed, Ana Pereira"])
    doc = documents.read(path)
    assert [p.kind for p in doc.parts] == ["text", "table", "text"]
    assert doc.parts[1].text.splitlines() == ["Region | Sales", "North | 1,200", "South | 950"]
    assert doc.text.index("Sales rose") < doc.text.index("North | 1,200") < doc.text.index("Signed")


def test_truncated_docx_is_a_clear_error(tmp_path: Path) -> None:
    good = write_docx(tmp_path / "good.docx", ["Some text"] * 50)
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DocumentUnreadable, match="damaged or truncated") as err:
        documents.read(cut)
    assert err.value.hint


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * 60_000_000 + b"</w:document>")
    start = time.monotonic()
    with pytest.raises(DocumentTooLarge, match="zip bomb|unpacks"):
        documents.read(bomb)
    assert time.monotonic() - start < 5


def test_encrypted_office_file_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "secret.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # what Word writes for a protected file
    with pytest.raises(DocumentLocked):
        documents.read(path)


def test_eml_keeps_headers_and_marks_the_quoted_reply(tmp_path: Path) -> None:
    body = ("Yes, Thursday works for me.\n\nOn Mon, 23 Nov 2026, Ben Okafor wrote:\n"
            "> Can we meet on Thursday at 10?\n> Room 4B is free.\n")
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(message("Ana Pereira <ana@example.org>", "Re: meeting", body)))
    doc = documents.read(path)
    assert doc.parts[0].kind == "header" and "Subject: Re: meeting" in doc.parts[0].text
    assert doc.meta["from"] == "Ana Pereira <ana@example.org>" and "2026" in doc.meta["date"]
    assert [p.kind for p in doc.parts[1:]] == ["text", "quote"]
    assert doc.parts[1].text == "Yes, Thursday works for me."
    assert doc.parts[2].text.startswith("On Mon") and doc.parts[2].label == "quoted reply"


def test_mbox_is_one_item_per_message(tmp_path: Path) -> None:
    msgs = [message(f"user{n}@example.org", f"Order {n}", f"Where is my order {n}?") for n in range(1, 4)]
    path = write_mbox(tmp_path / "inbox.mbox", msgs)
    items = list(documents.each(path))
    assert [key for key, _ in items] == ["1", "2", "3"]
    assert items[1][1].meta["subject"] == "Order 2" and "order 2?" in items[1][1].text
    whole = documents.read(path)
    assert whole.meta["messages"] == "3" and {p.label for p in whole.parts} == {"message 1", "message 2", "message 3"}


def test_html_is_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Offer</title><style>p{color:red}</style></head><body>"
                    "<h1>Spring offer</h1><p>Save <b>20%</b> until May.</p><script>alert(1)</script></body></html>")
    doc = documents.read(path)
    assert "Spring offer" in doc.text and "Save 20% until May." in doc.text
    assert "alert" not in doc.text and "color" not in doc.text


def test_latin1_text_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Reunión en la cafetería: 15 € por persona.".encode("cp1252"))
    doc = documents.read(path)
    assert doc.text == "Reunión en la cafetería: 15 € por persona."
    assert "Windows-1252" in doc.notes[0]


def test_binary_and_unknown_files(tmp_path: Path) -> None:
    blob = tmp_path / "photo.txt"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    with pytest.raises(DocumentUnreadable, match="binary"):
        documents.read(blob)
    odd = tmp_path / "slides.key"
    odd.write_bytes(b"\x00\x01\x02")
    with pytest.raises(DocumentUnreadable, match="binary") as err:
        documents.read(odd)
    assert "PDF" in err.value.hint
    sheet = tmp_path / "numbers.xlsx"
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(FormatUnsupported, match="not a Word document"):
        documents.read(sheet)
    config = tmp_path / "settings.cfg"
    config.write_text("[server]\nport = 8080\n")
    assert "port = 8080" in documents.read(config).text
    with pytest.raises(FormatUnsupported, match=r"\.doc"):
        (tmp_path / "old.doc").write_bytes(b"x")
        documents.read(tmp_path / "old.doc")


def test_formats_are_known_by_content_without_a_suffix(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", ["Hello from a PDF."])
    renamed = tmp_path / "download"
    renamed.write_bytes(pdf.read_bytes())
    assert documents.read(renamed).kind == "pdf"


def test_suffixes_cover_every_format() -> None:
    accepted = documents.suffixes()
    for suffix in (".pdf", ".docx", ".eml", ".mbox", ".html", ".txt", ".md", ".csv", ".jsonl"):
        assert suffix in accepted
