"""Batch throughput over a folder of short documents: items per minute for classify and extract, peak memory.

The folder holds N (default 200) short documents written by well-kept libraries, a quarter each PDF
(fpdf2), Word (python-docx), e-mail (.eml) and text: customer messages from BANKING77
(/work/shared/data/banking77-train.csv, CC BY 4.0) where that file exists, else built-in sentences, each
with an invoice line so extraction has something to find. The run goes through ``app.batch.run_batch``
(the same path as ``inhouse batch`` and the Batch page: read, run, decide, append to JSONL), on the
starter model, with a fresh INHOUSE_HOME. Also measured: reading alone (documents per minute) and peak
RSS, which must not grow with N (a batch never holds all documents in memory).
Prints a table, then one JSON line.

``--long-pdf PAGES``: chunked extraction (``app.longdoc``, the invoice template with nothing required) of a
generated PDF of PAGES pages (delivery notes, ~100 words each, with an invoice number and a total planted
on pages 12 and 217 as in tests/test_longdoc.py): seconds per chunk over the first ``--chunks`` chunks and
the whole document extrapolated; ``--all-spans`` scores every span under every question (the scoring
before the per-question cap), for a before/after figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BANKING = Path("/work/shared/data/banking77-train.csv")
FALLBACK = ["Where is my new card? It has not arrived yet.", "I was charged twice for the same coffee.",
            "How do I change my PIN?", "My top-up failed but the money left my account.",
            "What exchange rate do you use for euros?"]
LABELS = ("card_arrival", "card_payment_wrong_exchange_rate", "top_up_failed", "change_pin", "other")


def texts(n: int) -> list[str]:
    if BANKING.exists():
        with BANKING.open(encoding="utf-8") as f:
            rows = [r["text"] for r in csv.DictReader(f)]
        base = rows[:: max(1, len(rows) // n)][:n]
    else:
        base = [FALLBACK[i % len(FALLBACK)] for i in range(n)]
    return [f"{t}\nInvoice {1000 + i}, dated 2026-11-{1 + i % 28:02d}, total {12.5 + i:.2f} EUR."
            for i, t in enumerate(base)]


def write_folder(folder: Path, n: int) -> None:
    import docx
    from fpdf import FPDF

    from tests.documents_factory import message

    for i, text in enumerate(texts(n)):
        kind = i % 4
        if kind == 0:
            pdf = FPDF()
            pdf.add_page()
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, text.encode("latin-1", "replace").decode("latin-1"))
            pdf.output(str(folder / f"{i:04d}.pdf"))
        elif kind == 1:
            document = docx.Document()
            for line in text.splitlines():
                document.add_paragraph(line)
            document.save(str(folder / f"{i:04d}.docx"))
        elif kind == 2:
            (folder / f"{i:04d}.eml").write_bytes(bytes(message(f"customer{i}@example.org", "Question", text)))
        else:
            (folder / f"{i:04d}.txt").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="documents in the folder")
    parser.add_argument("--long-pdf", type=int, metavar="PAGES", help="chunked extraction of one long PDF instead")
    parser.add_argument("--chunks", type=int, default=2, help="with --long-pdf: chunks timed (the rest extrapolated)")
    parser.add_argument("--all-spans", action="store_true", help="with --long-pdf: the scoring before the cap")
    args = parser.parse_args()
    if args.long_pdf:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["INHOUSE_HOME"] = str(Path(tmp) / "home")
            figures = long_pdf(Path(tmp), args.long_pdf, args.chunks, args.all_spans)
        for key, value in figures.items():
            print(f"{key:<28} {value}")
        print(json.dumps(figures))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["INHOUSE_HOME"] = str(root / "home")
        folder = root / "docs"
        folder.mkdir()
        write_folder(folder, args.n)
        result: dict[str, object] = {"documents": args.n, "load_average": round(os.getloadavg()[0], 2)}
        result.update(measure(folder, root))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    for key, value in result.items():
        print(f"{key:<28} {value}")
    print(json.dumps(result))
    return 0


def measure(folder: Path, root: Path) -> dict[str, object]:
    from app.assistant import Assistant
    from app.batch import BatchSource, run_batch
    from app.cli.tasks import RESOURCES, load_schema
    from inference.tasks.base import ClassifySpec, ExtractSpec

    out: dict[str, object] = {}
    source = BatchSource([folder])
    total = source.count()
    start = time.perf_counter()
    chars = sum(len(item.load()) for item in source)
    out["read_per_minute"] = round(60 * total / (time.perf_counter() - start), 1)
    out["chars_read"] = chars
    assistant = Assistant()
    try:
        assistant.host.engine()  # load time is not batch throughput
        specs = {"classify": ClassifySpec(labels=LABELS),
                 "extract": ExtractSpec(schema=load_schema(RESOURCES / "schemas" / "invoice.json"))}
        for task, spec in specs.items():
            results = root / f"{task}.jsonl"
            start = time.perf_counter()
            report = run_batch(assistant, BatchSource([folder]), total, spec, results, "no")
            seconds = time.perf_counter() - start
            out[f"{task}_per_minute"] = round(60 * report.processed / seconds, 2)
            out[f"{task}_failed"] = report.failed
    finally:
        assistant.close()
    return out


def long_pages(n: int) -> list[str]:
    sentence = ("the delivery of goods to the depot was checked by our staff and the remaining items will follow "
                "next week as agreed with the supplier who confirmed the order by phone")
    words = sentence.split()
    pages = []
    for k in range(1, n + 1):
        body = " ".join(words[(k * 7 + i) % len(words)] for i in range(90))
        pages.append(f"Page {k}. Delivery note {k}: {k % 9 + 1} pallets, {k * 3 % 40 + 2}kg each, unit price "
                     f"{k % 50}.{k % 10}0 EUR. {body}.")
    pages[11 % n] = "Invoice number INV-2026-0042 issued on 2026-03-15 by Nordlicht GmbH. " + pages[11 % n]
    pages[216 % n] = "Total due for all deliveries: 1,250.00 EUR. " + pages[216 % n]
    return pages


def long_pdf(root: Path, n: int, timed: int, all_spans: bool) -> dict[str, object]:
    """Seconds per chunk of a long PDF's extraction (the first ``timed`` chunks) and the whole extrapolated."""
    import inference.tasks.extract as extract
    from app import documents
    from app.cli.tasks import RESOURCES, load_schema
    from app.engine_host import EngineHost
    from app.longdoc import fit_chunks
    from inference.tasks.base import ExtractSpec, TaskRequest
    from tests.documents_factory import write_pdf

    if all_spans:
        from inference.tasks import span_scoring

        real = span_scoring.score_spans
        extract.score_spans = lambda e, s, q, c=None, extra=(), only=None, cap=0: real(  # type: ignore[attr-defined]
            e, s, q, c, extra, None, len(s))
    doc = documents.read(write_pdf(root / "long.pdf", long_pages(n)))
    spec = ExtractSpec(schema={**load_schema(RESOURCES / "schemas" / "invoice.json"), "required": []})
    host = EngineHost()
    engine = host.engine()
    budget = extract.text_budget(engine) - 16
    chunks = fit_chunks(doc, budget, lambda text: len(engine.tokenize(text)))
    seconds = []
    for chunk in chunks[:timed]:
        start = time.perf_counter()
        host.run(TaskRequest(chunk.text, spec))
        seconds.append(time.perf_counter() - start)
    n_ctx = engine.n_ctx
    host.close()
    per_chunk = sum(seconds) / len(seconds)
    return {"pages": n, "chunks": len(chunks), "n_ctx": n_ctx, "scoring": "all spans" if all_spans else
            "capped", "load_average": round(os.getloadavg()[0], 2), "seconds_per_chunk": round(per_chunk, 1),
            "whole_document_minutes": round(per_chunk * len(chunks) / 60, 1)}


if __name__ == "__main__":
    sys.exit(main())
