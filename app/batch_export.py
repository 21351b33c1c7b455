"""Batch results (the resumable JSONL) exported as CSV, JSONL or XLSX, streamed row by row.

Columns: id, source, answer, confidence, where it was answered (stayed on this device or not), the
decision, whether it was queued for later, and the error for items that failed. An extraction's fields
also get a column each (``answer.FIELD``), so a spreadsheet can sort and filter by them. No cell is ever
run as a formula: CSV text that starts like one gets a leading apostrophe; XLSX stores strings as strings.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.output_paths import same_file
from inference.errors import InputInvalid

FORMATS = (".csv", ".jsonl", ".xlsx")
BASE_COLUMNS = ("id", "source", "answer", "confidence", "stayed_local", "decision", "queued", "error")


def records(results: Path) -> Iterator[dict[str, Any]]:
    """The complete lines of a results file, one at a time (a half-written last line is skipped)."""
    with results.open(encoding="utf-8") as f:
        for line in f:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def row(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    output = record.get("output")
    out: dict[str, Any] = {
        "id": record.get("id"), "source": record.get("source", ""),
        "answer": output if isinstance(output, str | int | float) or output is None else _json(output),
        "confidence": record.get("confidence"),
        "stayed_local": None if "error" in record else record.get("tier") in ("device", "local"),
        "decision": (record.get("decision") or {}).get("action"),
        "queued": bool(record.get("queued")), "error": record.get("error", ""),
    }
    for name in fields:
        value = output.get(name) if isinstance(output, dict) else None
        out[f"answer.{name}"] = value if isinstance(value, str | int | float) or value is None else _json(value)
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def field_names(results: Path) -> list[str]:
    names: dict[str, None] = {}
    for record in records(results):
        if isinstance(record.get("output"), dict):
            names.update(dict.fromkeys(record["output"]))
    return list(names)


def export(results: Path, target: Path) -> int:
    """Write ``results`` to ``target`` (format by suffix); returns the number of rows."""
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise InputInvalid(f"Cannot export to {target.name}: choose a .csv, .jsonl or .xlsx file.")
    if not results.exists():
        raise InputInvalid(f"No results at {results}.", hint="Run the batch first.")
    if same_file(results, target):
        raise InputInvalid(f"Cannot export {results.name} onto itself.", hint="Choose another file to export to.")
    if suffix == ".jsonl":
        shutil.copyfile(results, target)
        return sum(1 for _ in records(results))
    fields = field_names(results)
    columns = [*BASE_COLUMNS, *(f"answer.{name}" for name in fields)]
    rows = (row(record, fields) for record in records(results))
    return _write_csv(target, columns, rows) if suffix == ".csv" else _write_xlsx(target, columns, rows)


# A text cell a spreadsheet would run as a formula (CSV injection: "=HYPERLINK(...)" in a message, a
# document or a model's answer). Such cells are written with a leading apostrophe, which Excel, LibreOffice
# and Google Sheets read as "this is text" and do not show; numbers are never touched.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _write_csv(target: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with target.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM makes Excel read UTF-8
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for r in rows:
            writer.writerow({column: inert(value) for column, value in r.items()})
            count += 1
    return count


def _write_xlsx(target: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                             "strings_to_urls": False})
    try:
        sheet = book.add_worksheet("Results")
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, columns, bold)
        count = 0
        for n, r in enumerate(rows, 1):
            sheet.write_row(n, 0, [r[c] for c in columns])
            count += 1
        sheet.freeze_panes(1, 0)
    finally:
        book.close()
    return count
