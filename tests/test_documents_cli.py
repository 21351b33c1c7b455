"""Documents from the command line: --file reads PDFs and Latin-1 text; doctor says whether OCR is there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from tests.documents_factory import write_docx, write_pdf


def test_extract_from_a_pdf_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "invoice.pdf", ["INVOICE 77\nDate: 2024-03-15\nTotal due: 30.00 EUR"])
    code = main(["extract", "--template", "invoice", "--json", "--local-only", "--file", str(pdf)])
    data = json.loads(capsys.readouterr().out)
    assert data["output"]["date"] == "2024-03-15"  # the PDF's text reached the model
    if code == 1:  # the model is unsure of the required total: missing (exit 1, named), never a guess
        assert data["missing"] == ["total"] and data["output"]["total"] is None
    else:
        assert code == 0 and data["output"]["total"] == pytest.approx(30.0)


def test_latin1_text_file_is_read_with_a_note(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes("Café crème à 3 EUR. Très bon.".encode("latin-1"))
    assert main(["classify", "--labels", "good,bad", "--json", "--local-only", "--file", str(notes)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["output"] in ("good", "bad")
    assert "read as Windows-1252" in captured.err


def test_truncated_docx_from_the_cli_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = write_docx(tmp_path / "good.docx", ["Some text"] * 30)
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[:600])
    assert main(["summarize", "--file", str(cut)]) == 1
    err = capsys.readouterr().err
    assert "cut.docx is damaged or truncated" in err and "Traceback" not in err


def test_doctor_says_whether_ocr_is_available() -> None:
    from app.cli.doctor import _optional_sections

    ocr = _optional_sections()["ocr"]
    assert (ocr["tesseract"] is not None) == (shutil.which("tesseract") is not None)
    assert ("scanned PDFs are read by OCR" in ocr["message"]) == (ocr["tesseract"] is not None)
