"""Which PDF text layer reader: pypdf or pdfplumber, measured on PDFs written by two well-kept writers.

The content is real text (SciTLDR abstracts, /work/shared/data/scitldr-train.jsonl, Apache-2.0, or a few
built-in paragraphs when the file is absent) laid out the ways documents are: one column (fpdf2, DejaVu
with accents and the euro sign), two columns (fpdf2), justified paragraphs (reportlab platypus) and an
invoice table with right-aligned amounts (reportlab). Quality: word-sequence similarity to the text that
was written (difflib ratio over words: order matters, 1.0 = identical). Speed: seconds per page.
Prints a table, then one JSON line.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path("/work/shared/data/scitldr-train.jsonl")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FALLBACK = [
    "Café owners in Zürich paid €1,250.00 for the new espresso machines, a rise of 12 % on last year.",
    "The committee approved the budget on 3 March 2026 after a long debate about travel spending.",
]


def paragraphs(n: int) -> list[str]:
    if not DATA.exists():
        return (FALLBACK * n)[:n]
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"].strip() for line in lines[:n]]


def words(text: str) -> list[str]:
    text = re.sub(r"-\n(?=[a-z])", "", text)  # a hyphen a reader left at a line break
    return text.split()


def similarity(truth: str, got: str) -> float:
    return difflib.SequenceMatcher(None, words(truth), words(got), autojunk=False).ratio()


# -- writers ------------------------------------------------------------------------------------------
def fpdf_one_column(path: Path, texts: list[str]) -> str:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    body = texts + ["Café owners in Zürich paid €1,250.00 for the new espresso machines."]
    for text in body:
        pdf.add_page() if pdf.page == 0 or pdf.get_y() > 240 else None
        pdf.multi_cell(0, 6, text)
        pdf.ln(4)
    pdf.output(str(path))
    return "\n".join(body)


def fpdf_two_columns(path: Path, texts: list[str]) -> str:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    for left, right in zip(texts[::2], texts[1::2], strict=False):
        pdf.add_page()
        pdf.set_xy(10, 15)
        pdf.multi_cell(90, 5, left)
        pdf.set_xy(110, 15)
        pdf.multi_cell(90, 5, right)
    pdf.output(str(path))
    return "\n".join(texts[: 2 * (len(texts) // 2)])


def reportlab_justified(path: Path, texts: list[str]) -> str:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    style = ParagraphStyle("body", fontName="Times-Roman", fontSize=11, leading=14, alignment=TA_JUSTIFY)
    story = []
    for text in texts:
        story += [Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), style), Spacer(1, 8)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return "\n".join(texts)


def reportlab_table(path: Path, texts: list[str]) -> str:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table

    rows = [["Item", "Quantity", "Unit price", "Amount"]]
    for n, text in enumerate(texts):
        item = " ".join(text.split()[:3])
        rows.append([item, str(n + 1), f"{12.5 * (n + 1):,.2f}", f"{12.5 * (n + 1) ** 2:,.2f}"])
    rows.append(["Total", "", "", f"{sum(12.5 * (n + 1) ** 2 for n in range(len(texts))):,.2f}"])
    table = Table(rows, colWidths=[220, 70, 90, 90])
    table.setStyle([("ALIGN", (1, 0), (-1, -1), "RIGHT")])
    SimpleDocTemplate(str(path), pagesize=A4).build([table])
    return "\n".join(" ".join(row) for row in rows)


# -- readers ------------------------------------------------------------------------------------------
def read_pypdf(path: Path) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def read_pdfplumber(path: Path) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


WRITERS: dict[str, Callable[[Path, list[str]], str]] = {
    "fpdf2 one column": fpdf_one_column,
    "fpdf2 two columns": fpdf_two_columns,
    "reportlab justified": reportlab_justified,
    "reportlab invoice table": reportlab_table,
}
READERS: dict[str, Callable[[Path], tuple[str, int]]] = {"pypdf": read_pypdf, "pdfplumber": read_pdfplumber}


def main() -> None:
    texts = paragraphs(40)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for layout, write in WRITERS.items():
            path = Path(tmp) / (re.sub(r"\W+", "-", layout) + ".pdf")
            truth = write(path, texts)
            for name, read in READERS.items():
                start = time.perf_counter()
                got, pages = read(path)
                seconds = time.perf_counter() - start
                results.setdefault(name, {})[layout] = {
                    "similarity": round(similarity(truth, got), 4), "s_per_page": round(seconds / pages, 4),
                    "pages": pages}
    print(f"{'layout':<26}" + "".join(f"{r:>28}" for r in READERS))
    for layout in WRITERS:
        cells = [f"{results[r][layout]['similarity']:.3f} / {results[r][layout]['s_per_page']:.3f}s"
                 for r in READERS]
        print(f"{layout:<26}" + "".join(f"{c:>28}" for c in cells))
    summary = {r: {"mean_similarity": round(sum(v["similarity"] for v in results[r].values()) / len(WRITERS), 4),
                   "mean_s_per_page": round(sum(v["s_per_page"] for v in results[r].values()) / len(WRITERS), 4)}
               for r in READERS}
    print(json.dumps({"pdf_readers": results, "summary": summary}))


if __name__ == "__main__":
    sys.exit(main())
