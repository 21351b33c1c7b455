"""``inhouse extract|summarize --file LONG.pdf``: a document longer than the context is processed in chunks.

Extraction is merged, each value with its page and offset, conflicts shown with both sources; a summary is
one section per chunk, each headed by the pages it covers (see ``app.longdoc``)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from inference.tasks.base import ExtractSpec, SummarizeSpec


def run_if_long(args: argparse.Namespace, spec: ExtractSpec | SummarizeSpec) -> int | None:
    """Run the chunked task when ``--file`` is longer than one prompt; None to let the normal path run."""
    from app.cli.progress import progress_bar
    from app.cli.tasks import read_file_option
    from app.engine_host import DEFAULT_N_CTX
    from app.longdoc import needs_chunks, run_long_extraction, run_long_summary
    from app.runtime import open_assistant

    document = read_file_option(args.file, spec.task)
    if not needs_chunks(document, int(os.environ.get("INHOUSE_N_CTX", DEFAULT_N_CTX))):
        return None
    for note in document.notes:
        print(f"Note: {note}", file=sys.stderr)
    assistant = open_assistant()
    try:
        if isinstance(spec, SummarizeSpec):
            with progress_bar("summarizing", unit="chunk", transient=True) as bar:
                summary = run_long_summary(assistant, document, spec, bar)
        else:
            result = run_long_extraction(assistant, document, spec)
    finally:
        assistant.close()
    if isinstance(spec, SummarizeSpec):
        print(json.dumps(summary.to_json(), ensure_ascii=False) if args.json else
              f"{summary.output}\n\nconfidence {summary.confidence:.2f} · on this device · "
              f"{len(summary.sections)} sections")
        return 0
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0
    print(json.dumps(result.output, indent=2, ensure_ascii=False))
    for name, merged in result.fields.items():
        pages = sorted({s.page for s in merged.sources if s.page is not None})
        where = f"page {', '.join(map(str, pages))}" if pages else "not located in the text"
        print(f"  {name:<20} confidence {merged.confidence:.2f} · {where}")
        for other in merged.conflict:
            page = f"page {other.page}" if other.page is not None else "not located"
            print(f"  {'':<20} conflict: {json.dumps(other.value, ensure_ascii=False)} ({page})")
    for name in (n for n, v in result.output.items() if v is None):
        print(f"  {name:<20} not found")
    print(f"\nconfidence {result.confidence:.2f} · on this device · {len(result.chunks)} chunks, "
          f"{result.empty_chunks} with nothing found, {len(result.failed_chunks)} failed")
    return 0
