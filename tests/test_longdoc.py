"""Extraction over a document longer than the context: chunks, merge with provenance, honest confidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import documents
from app.cli import main
from app.documents.model import build
from app.longdoc import Chunk, Source, chunk_document, chunk_sources, locate, merge
from inference.tasks.base import ExtractSpec, FieldConfidence, TaskResult
from tests.documents_factory import write_pdf

SCHEMA = {"type": "object", "properties": {"invoice_number": {"type": ["string", "null"]},
                                           "total": {"type": ["number", "null"]},
                                           "date": {"type": ["string", "null"]}}}


def pages(n: int) -> list[str]:
    text = [f"Page {k}." for k in range(1, n + 1)]
    text[11 % n] = "Invoice number INV-2026-0042 issued on 2026-03-15 by Nordlicht GmbH."
    text[216 % n] = "Total due for all deliveries: 1,250.00 EUR."
    return text


def test_chunks_follow_pages_and_map_back_to_the_text(tmp_path: Path) -> None:
    doc = documents.read(write_pdf(tmp_path / "long.pdf", pages(40)))
    chunks = chunk_document(doc, 100)
    assert len(chunks) > 3 and all(len(c.text) <= 100 for c in chunks)
    assert [p for c in chunks for p in c.pages] == list(range(1, 41))  # every page once, in order
    for c in chunks:
        assert doc.text[c.start:c.start + len(c.text)] == c.text


def test_a_page_longer_than_a_chunk_is_split_at_sentences() -> None:
    long_page = " ".join(f"Sentence number {n} is here." for n in range(60))
    doc = build("x.pdf", "pdf", [(long_page, 1, "text", ""), ("Short page two.", 2, "text", "")])
    chunks = chunk_document(doc, 200)
    assert len(chunks) > 5 and all(len(c.text) <= 200 for c in chunks)
    assert all(c.text.rstrip().endswith(".") for c in chunks)
    assert chunks[-1].pages in ((2,), (1, 2))


def _result(output: dict[str, object], conf: dict[str, float]) -> TaskResult:
    fields = {k: FieldConfidence(v, v, True) for k, v in conf.items()}
    return TaskResult("extract", output, min(conf.values(), default=0.0), fields=fields)


def test_merge_keeps_sources_and_is_honest_about_conflicts_and_failures() -> None:
    doc = build("inv.pdf", "pdf", [("Invoice INV-1 total 1,250.00", 1, "text", ""), ("nothing", 2, "text", ""),
                                   ("Invoice INV-2 again", 3, "text", "")])
    chunks = tuple(Chunk(p.text, p.offset, (p.page or 0,)) for p in doc.parts)
    found: dict[str, list[Source]] = {}
    results = [_result({"invoice_number": "INV-1", "total": 1250.0}, {"invoice_number": 0.9, "total": 0.8}),
               _result({"invoice_number": None, "total": None}, {}),
               _result({"invoice_number": "INV-2", "total": None}, {"invoice_number": 0.7})]
    empty = 0
    for n, (chunk, result) in enumerate(zip(chunks, results, strict=True)):
        sources = chunk_sources(result, chunk, n, doc)
        empty += not sources
        for name, source in sources.items():
            found.setdefault(name, []).append(source)
    merged = merge(ExtractSpec(SCHEMA), found, chunks, empty, ())
    assert merged.output == {"invoice_number": "INV-1", "total": 1250.0, "date": None}
    number = merged.fields["invoice_number"]
    assert number.conflict[0].value == "INV-2" and number.conflict[0].page == 3
    assert number.sources[0].page == 1 and doc.text[number.sources[0].offset:].startswith("INV-1")
    assert number.confidence == pytest.approx(0.9 * (1 - 0.7))  # two confident answers: neither trusted
    assert merged.fields["total"].sources[0].offset == doc.text.index("1,250.00")
    assert merged.conflicts == ["invoice_number"] and merged.empty_chunks == 1
    assert merged.confidence == pytest.approx(0.9 * 0.3)

    with_failure = merge(ExtractSpec(SCHEMA), found, chunks, empty, ((1, "The model's JSON was cut off"),))
    assert with_failure.confidence == pytest.approx(merged.confidence * 2 / 3)
    nothing = merge(ExtractSpec(SCHEMA), {}, chunks, 3, ())
    assert nothing.confidence == 0.0 and nothing.output == {"invoice_number": None, "total": None, "date": None}


def test_locate_numbers_in_their_usual_spellings() -> None:
    assert locate(1250.0, "Total: 1,250.00 EUR") == 7
    assert locate(1250.0, "Summe: 1.250,00 EUR") == 7
    assert locate("inv-7", "Invoice INV-7") == 8 and locate("absent", "text") is None


@pytest.mark.timeout(900)
def test_long_pdf_is_extracted_in_chunks_with_page_references(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small context, so that 60 pages take several prompts (extraction scores every candidate span, so
    # its cost grows with the text: the test keeps the text short, not the number of chunks)
    monkeypatch.setenv("INHOUSE_N_CTX", "256")
    pdf = write_pdf(tmp_path / "ledger.pdf", pages(60))
    schema = tmp_path / "schema.json"
    short = {"type": "object", "properties": {"invoice_number": {"type": ["string", "null"], "maxLength": 24},
                                              "total": {"type": ["number", "null"]}}}
    schema.write_text(json.dumps(short))
    assert main(["extract", "--schema", str(schema), "--file", str(pdf), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    doc = documents.read(pdf)
    assert result["method"] == "chunked-extraction" and result["chunks"] >= 3
    assert set(result["output"]) == {"invoice_number", "total"}
    for info in result["fields"].values():
        for source in info["sources"] + info["conflict"]:
            assert 0 <= source["chunk"] < result["chunks"]
            if source["offset"] is not None:  # the value is where it says, on the page it says
                assert doc.page_at(source["offset"]) == source["page"]
                assert str(source["value"]).casefold()[:4] in doc.text[source["offset"]:].casefold()[:40] or \
                    isinstance(source["value"], float)
        if info["conflict"]:
            assert info["confidence"] <= min(s["confidence"] for s in info["sources"])
    assert 0.0 <= result["confidence"] <= 1.0


def test_long_summary_keeps_page_references(engine: object) -> None:
    from app.engine_host import EngineHost
    from app.longdoc import summarize_document
    from inference.tasks.base import SummarizeSpec

    doc = build("minutes.pdf", "pdf", [
        ("The board met on Monday and approved the new budget of 2 million euros for the depot.", 1, "text", ""),
        ("Staff asked for a second delivery van; the board agreed to lease one from March.", 2, "text", ""),
        ("Next meeting: 14 April, at the Leeds office, with the auditors present.", 3, "text", ""),
    ])
    host = EngineHost(engine=engine)  # type: ignore[arg-type]
    summary = summarize_document(host.run, doc, SummarizeSpec(max_words=15), budget=120)
    assert [s.pages for s in summary.sections] == [(1,), (2,), (3,)]
    assert summary.output.splitlines()[0].startswith("(p. 1) ") and "(p. 3) " in summary.output
    assert summary.confidence == pytest.approx(min(s.confidence for s in summary.sections))
