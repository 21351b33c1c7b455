"""Extraction over a document longer than the model's context: chunk, extract from each chunk, merge.

Chunks follow the document's parts (pages of a PDF, messages of a mailbox) and stay within a token budget;
a part bigger than the budget is split at paragraph, then sentence boundaries. Every value keeps where
it came from: the chunk, the page, and its character offset in ``Document.text`` (None when the value is
not literally in the text). Merging, per field:

- one distinct value (found in one or more chunks): kept, with every source; confidence = the best
  chunk's field confidence;
- two or more distinct values: a **conflict**, shown with all sources; the value kept is the most
  confident one, and its confidence is ``best × (1 − runner-up)`` (two confident, different answers
  mean neither can be trusted);
- no value anywhere: null ("not found").

The overall confidence is the weakest field's that was found (all of them count, required or not), times
the share of chunks that produced an answer at all: a chunk whose extraction failed may hold the value
that was missed. A document where no chunk found anything has confidence 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.assistant import Assistant
from app.documents import Document
from app.documents.model import SEPARATOR
from inference.errors import Cancelled, InhouseError
from inference.tasks.base import ExtractSpec, SummarizeSpec, TaskRequest, TaskResult
from inference.tasks.extract import text_budget

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int  # offset of ``text`` in Document.text
    pages: tuple[int, ...]


@dataclass(frozen=True)
class Source:
    value: Any
    chunk: int
    page: int | None
    offset: int | None  # in Document.text; None when the value is not literally in the text
    confidence: float


@dataclass(frozen=True)
class MergedField:
    value: Any
    confidence: float
    sources: tuple[Source, ...]  # every chunk that found this value
    conflict: tuple[Source, ...] = ()  # sources of the other values found for the same field


@dataclass(frozen=True)
class LongExtraction:
    output: dict[str, Any]
    confidence: float
    fields: dict[str, MergedField]
    chunks: tuple[Chunk, ...]
    empty_chunks: int  # chunks where nothing was found
    failed_chunks: tuple[tuple[int, str], ...] = ()  # (chunk, error) where extraction failed
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.conflict]

    def to_json(self) -> dict[str, Any]:
        def source(s: Source) -> dict[str, Any]:
            return {"value": s.value, "page": s.page, "offset": s.offset, "chunk": s.chunk,
                    "confidence": round(s.confidence, 4)}

        return {
            "task": "extract", "output": self.output, "confidence": round(self.confidence, 4), "tier": "device",
            "method": "chunked-extraction",
            "fields": {n: {"confidence": round(f.confidence, 4), "sources": [source(s) for s in f.sources],
                           "conflict": [source(s) for s in f.conflict]} for n, f in self.fields.items()},
            "conflicts": self.conflicts, "chunks": len(self.chunks), "empty_chunks": self.empty_chunks,
            "failed_chunks": [{"chunk": c, "error": e} for c, e in self.failed_chunks],
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
        }


def chunk_document(document: Document, budget: int, measure: Callable[[str], int] = len) -> list[Chunk]:
    """Consecutive parts grouped while ``measure`` (characters, or the model's tokens) stays within
    ``budget``; a bigger part is split at paragraphs, then sentences, then hard."""
    chunks: list[Chunk] = []
    current: list[tuple[str, int, int | None]] = []  # (text, offset, page)
    size, gap = 0, measure(SEPARATOR)

    def flush() -> None:
        if current:
            start = current[0][1]
            end = current[-1][1] + len(current[-1][0])
            pages = tuple(sorted({p for _, _, p in current if p is not None}))
            chunks.append(Chunk(document.text[start:end], start, pages))
            current.clear()

    for part in document.parts:
        for text, offset in _pieces(part.text, part.offset, budget, measure):
            if current and size + gap + measure(text) > budget:
                flush()
                size = 0
            size += (gap if current else 0) + measure(text)
            current.append((text, offset, part.page))
    flush()
    return chunks


def fit_chunks(document: Document, budget: int, measure: Callable[[str], int]) -> list[Chunk]:
    """``chunk_document``, checked: pieces measured alone can tokenize shorter than when joined, so a chunk
    over the budget makes the budget 10% smaller until every chunk fits."""
    target = budget
    while True:
        chunks = chunk_document(document, target, measure)
        if target <= 32 or all(measure(c.text) <= budget for c in chunks):
            return chunks
        target = int(target * 0.9)


def _pieces(text: str, offset: int, budget: int, measure: Callable[[str], int]) -> list[tuple[str, int]]:
    if measure(text) <= budget:
        return [(text, offset)]
    for splitter in (re.compile(r"\n\s*\n"), _SENTENCE):
        bounds = [0, *[m.end() for m in splitter.finditer(text)], len(text)]
        spans = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
        if len(spans) > 1 and all(measure(text[a:b]) <= budget for a, b in spans):
            return _pack(text, offset, spans, budget, measure)
    step = max(1, int(len(text) * budget / max(1, measure(text))))  # no boundary small enough: hard cut
    return [(text[i:i + step], offset + i) for i in range(0, len(text), step)]


def _pack(text: str, offset: int, spans: list[tuple[int, int]], budget: int,
          measure: Callable[[str], int]) -> list[tuple[str, int]]:
    pieces: list[tuple[str, int]] = []
    start = spans[0][0]
    for a, b in spans:
        if a > start and measure(text[start:b]) > budget:
            pieces.append((text[start:a].rstrip(), offset + start))
            start = a
    pieces.append((text[start:], offset + start))
    return [(t, o) for t, o in pieces if t.strip()]


def extract_document(
    run: Callable[[TaskRequest], TaskResult], document: Document, spec: ExtractSpec, budget: int,
    measure: Callable[[str], int] = len,
) -> LongExtraction:
    """Extract from each chunk with ``run`` (e.g. ``EngineHost.run``) and merge, keeping provenance."""
    chunks = fit_chunks(document, budget, measure)
    found: dict[str, list[Source]] = {}
    failed: list[tuple[int, str]] = []
    empty = 0
    for n, chunk in enumerate(chunks):
        try:
            result = run(TaskRequest(chunk.text, spec))
        except Cancelled:
            raise
        except InhouseError as err:
            failed.append((n, str(err)))
            continue
        sources = chunk_sources(result, chunk, n, document)
        empty += not sources
        for name, source in sources.items():
            found.setdefault(name, []).append(source)
    return merge(spec, found, tuple(chunks), empty, tuple(failed))


def chunk_sources(result: TaskResult, chunk: Chunk, n: int, document: Document) -> dict[str, Source]:
    """The non-null fields one chunk's extraction found, each located in the document."""
    if not isinstance(result.output, dict):
        return {}
    out = {}
    for name, value in result.output.items():
        if value is None or value == "" or value == []:
            continue
        info = (result.fields or {}).get(name)
        confidence = info.confidence if info is not None else result.confidence
        at = info.span.start if info is not None and info.span is not None else locate(value, chunk.text)
        offset = chunk.start + at if at is not None else None
        page = document.page_at(offset) if offset is not None else (chunk.pages[0] if len(chunk.pages) == 1 else None)
        out[name] = Source(value, n, page, offset, confidence)
    return out


def locate(value: Any, text: str) -> int | None:
    """Where ``value`` appears in ``text`` (case-insensitive; numbers in their usual spellings)."""
    if isinstance(value, bool | dict | list):
        return None
    candidates = [str(value)]
    if isinstance(value, float):
        candidates += [f"{value:,.2f}", f"{value:.2f}", f"{value:g}", f"{value:,.2f}".replace(",", "X")
                       .replace(".", ",").replace("X", ".")]
    lowered = text.casefold()
    for candidate in candidates:
        at = lowered.find(candidate.casefold())
        if at >= 0:
            return at
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return bool(a == b)


def merge(spec: ExtractSpec, found: dict[str, list[Source]], chunks: tuple[Chunk, ...], empty: int,
          failed: tuple[tuple[int, str], ...]) -> LongExtraction:
    names = list(spec.schema.get("properties", {})) or list(found)
    output: dict[str, Any] = {}
    fields: dict[str, MergedField] = {}
    for name in names:
        sources = found.get(name, [])
        if not sources:
            output[name] = None
            continue
        groups: list[list[Source]] = []
        for s in sources:
            group = next((g for g in groups if _same(g[0].value, s.value)), None)
            if group is None:
                groups.append([s])
            else:
                group.append(s)
        groups.sort(key=lambda g: max(s.confidence for s in g), reverse=True)
        best = max(s.confidence for s in groups[0])
        others = [s for g in groups[1:] for s in g]
        confidence = best * (1 - max(s.confidence for s in others)) if others else best
        output[name] = groups[0][0].value
        fields[name] = MergedField(groups[0][0].value, confidence, tuple(groups[0]), tuple(others))
    answered = len(chunks) - len(failed)
    coverage = answered / len(chunks) if chunks else 0.0
    weakest = min((f.confidence for f in fields.values()), default=0.0)
    signals = {"chunks": float(len(chunks)), "empty_chunks": float(empty), "failed_chunks": float(len(failed)),
               "coverage": coverage, "conflicts": float(sum(bool(f.conflict) for f in fields.values())),
               "weakest_field": weakest}
    return LongExtraction(output, weakest * coverage, fields, chunks, empty, failed, signals)


def run_long_extraction(assistant: Assistant, document: Document, spec: ExtractSpec) -> LongExtraction:
    """Chunked extraction on the device with the assistant's engine. Nothing is escalated: a whole long
    document is not offered to the cloud model; low-confidence fields and conflicts are shown instead."""
    engine = assistant.host.engine()
    budget = text_budget(engine) - 16
    return extract_document(assistant.host.run, document, spec, budget, lambda text: len(engine.tokenize(text)))


def needs_chunks(document: Document, n_ctx: int) -> bool:
    """Longer than one prompt can hold (decided in characters, cautiously: 2 per token, digits included)."""
    return len(document.text) > 2 * (n_ctx - 600)


@dataclass(frozen=True)
class Section:
    pages: tuple[int, ...]
    summary: str
    confidence: float


@dataclass(frozen=True)
class LongSummary:
    """A long document summarized chunk by chunk, each section with the pages it covers."""

    sections: tuple[Section, ...]
    failed_chunks: tuple[tuple[int, str], ...] = ()

    @property
    def output(self) -> str:
        return "\n".join(f"({page_label(s.pages)}) {s.summary}" if s.pages else s.summary for s in self.sections)

    @property
    def confidence(self) -> float:
        """The weakest section's (a summary is as good as its worst part), times the share summarized."""
        total = len(self.sections) + len(self.failed_chunks)
        weakest = min((s.confidence for s in self.sections), default=0.0)
        return weakest * len(self.sections) / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"task": "summarize", "output": self.output, "confidence": round(self.confidence, 4), "tier": "device",
                "method": "chunked-summary",
                "sections": [{"pages": list(s.pages), "summary": s.summary, "confidence": round(s.confidence, 4)}
                             for s in self.sections],
                "failed_chunks": [{"chunk": c, "error": e} for c, e in self.failed_chunks]}


def page_label(pages: tuple[int, ...]) -> str:
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}-{pages[-1]}"


def summarize_document(
    run: Callable[[TaskRequest], TaskResult], document: Document, spec: SummarizeSpec, budget: int,
    measure: Callable[[str], int] = len, progress: Callable[[int, int], None] | None = None,
) -> LongSummary:
    """One summary per chunk, each labelled with its pages (the page references survive the summary);
    ``progress(done, total)`` before each chunk and once all are done."""
    sections: list[Section] = []
    failed: list[tuple[int, str]] = []
    chunks = fit_chunks(document, budget, measure)
    for n, chunk in enumerate(chunks):
        if progress is not None:
            progress(n, len(chunks))
        try:
            result = run(TaskRequest(chunk.text, spec))
        except Cancelled:
            raise
        except InhouseError as err:
            failed.append((n, str(err)))
            continue
        sections.append(Section(chunk.pages, str(result.output), result.confidence))
    if progress is not None:
        progress(len(chunks), len(chunks))
    return LongSummary(tuple(sections), tuple(failed))


def run_long_summary(assistant: Assistant, document: Document, spec: SummarizeSpec,
                     progress: Callable[[int, int], None] | None = None) -> LongSummary:
    """Chunked summary on the device; like long extraction, never escalated as a whole."""
    from inference.tasks.summarize import TOKENS_PER_WORD
    from inference.tasks.summarize import build_messages as summary_messages

    engine = assistant.host.engine()
    head = len(engine.tokenize(engine.prompter.render(summary_messages("", spec))))
    budget = engine.n_ctx - head - int(spec.max_words * TOKENS_PER_WORD) - 32
    return summarize_document(assistant.host.run, document, spec, budget, lambda text: len(engine.tokenize(text)),
                              progress)
