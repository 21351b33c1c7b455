"""The Extract result (fields, "not found", spans highlighted, "This field should be…") and the Extractors
page, with real widgets offscreen (pytest-qt). The results shown are built from real result types; the
page works on real profile files. Texts written for these tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.assistant import Assistant
from app.engine_host import EngineHost
from app.extractor_learning import example_from_values
from app.outcome import Action, Outcome
from inference.tasks.base import ExtractSpec, FieldConfidence, SourceSpan, TaskRequest, TaskResult
from ui.extract_body import NOT_FOUND, ExtractBody
from ui.extractors_correction import ExtractionCorrections
from ui.extractors_page import ExtractorsPage
from ui.result_view import ResultView
from ui.worker import wait_for_all

pytestmark = [pytest.mark.gui]

TEXT = "  Invoice 7781 from Baltic Timber AS, total 1,035.18 EUR."
SCHEMA = {"title": "Bill", "type": "object", "properties": {
    "vendor": {"type": ["string", "null"]}, "total": {"type": ["number", "null"]},
    "iban": {"type": ["string", "null"]}}}


def outcome() -> Outcome:
    vendor, total = TEXT.index("Baltic Timber AS"), TEXT.index("1,035.18")
    fields = {"vendor": FieldConfidence(0.91, 0.0, True, SourceSpan(vendor, vendor + 16)),
              "total": FieldConfidence(0.42, 0.0, True, SourceSpan(total, total + 8)),
              "iban": FieldConfidence(0.97, 0.0, True, None, found=False)}
    answer = {"vendor": "Baltic Timber AS", "total": 1035.18, "iban": None}
    local = TaskResult("extract", answer, 0.42, method="span-scoring", fields=fields)
    return Outcome(TaskRequest(TEXT, ExtractSpec(SCHEMA)), local, answer, Action.LOCAL_ONLY, "below")


@pytest.fixture
def assistant(inhouse_home: Path) -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))  # no model needed here
    yield assistant
    wait_for_all()
    assistant.close()


def test_fields_not_found_and_spans_are_shown(qtbot: QtBot) -> None:
    body = ExtractBody()
    qtbot.addWidget(body)
    body.show_outcome(outcome(), threshold=0.8)
    assert [(name, value) for name, value, _ in body.rows] == [
        ("vendor", "Baltic Timber AS"), ("total", "1035.18"), ("iban", NOT_FOUND)]
    assert body.spans() == {"vendor": "Baltic Timber AS", "total": "1,035.18"}
    assert body.table.item(1, 1).foreground().color().name() == "#b45309"  # below the threshold: marked
    body.table.selectRow(1)
    assert body.source.textCursor().position() == TEXT.index("1,035.18")  # the selected field's span


def test_the_correction_dialog_gives_a_value_a_selection_or_absent(qtbot: QtBot) -> None:
    body = ExtractBody()
    qtbot.addWidget(body)
    body.show_outcome(outcome(), threshold=0.8)
    body.table.selectRow(0)
    dialog = body.correction_dialog()
    qtbot.addWidget(dialog)
    assert dialog.field.currentText() == "vendor" and dialog.value.text() == "Baltic Timber AS"
    dialog.value.setText("Baltic Timber")
    assert dialog.correction() == ("vendor", "Baltic Timber")
    dialog.absent.setChecked(True)
    assert dialog.correction() == ("vendor", None)
    cursor = body.source.textCursor()
    start = TEXT.index("7781")
    cursor.setPosition(start)
    cursor.setPosition(start + 4, cursor.MoveMode.KeepAnchor)
    body.source.setTextCursor(cursor)
    selected = body.correction_dialog()
    qtbot.addWidget(selected)
    assert selected.selected.isChecked() and "7781" in selected.selected.text()
    assert selected.correction()[1] == [start, start + 4]


def test_a_correction_from_the_result_becomes_an_example(qtbot: QtBot, assistant: Assistant) -> None:
    view = ResultView()
    qtbot.addWidget(view)
    corrections = ExtractionCorrections(assistant, view)
    shown = outcome()
    view.show_outcome(shown, 0.8)
    with qtbot.waitSignal(corrections.profiles_changed, timeout=10_000):
        view.outcome.extract.correct_field.emit("iban", None)
    assert "bill" in view.outcome.correction.text()
    example = assistant.host.extractors.get("bill").examples[0]
    stripped = TEXT.strip()
    assert example.values["vendor"] == (stripped.index("Baltic"), stripped.index("Baltic") + 16)
    assert example.values["iban"] is None and example.source == "correction"


def test_the_extractors_page_lists_adds_and_exports(qtbot: QtBot, assistant: Assistant, tmp_path: Path) -> None:
    schema_file = tmp_path / "bill.json"
    schema_file.write_text(json.dumps({k: v for k, v in SCHEMA.items()}))
    page = ExtractorsPage(assistant)
    qtbot.addWidget(page)
    assert page.create_profile("bills", schema_file)
    assert page.selected_name() == "bills" and page.figures.rowCount() == 3
    assert "Not trained" in page.summary.text() or "0 examples" in page.summary.text()
    examples = tmp_path / "examples.jsonl"
    examples.write_text(json.dumps({"text": TEXT, "values": {"vendor": "Baltic Timber AS"}}) + "\n")
    page.add_examples(examples)
    qtbot.waitUntil(lambda: "1 examples added" in page.banner.text(), timeout=10_000)
    assert page.figures.item(0, 1).text() == "1"
    out = tmp_path / "bills.inhouse-extractor.json"
    page.export_to(out)
    qtbot.waitUntil(lambda: "Exported" in page.banner.text(), timeout=10_000)
    page.remove_profile("bills")
    page.import_path(out)
    qtbot.waitUntil(lambda: "Imported" in page.banner.text(), timeout=10_000)
    assert [s.name for s in page.summaries] == ["bills"]
    assert assistant.host.extractors.get("bills").examples == (
        example_from_values(TEXT, {"vendor": "Baltic Timber AS"}, ("vendor", "total", "iban")),)
    page.create_profile("flags", _write(tmp_path, {"type": "object", "properties": {"ok": {"type": "boolean"}}}))
    assert "choices" in page.banner.text()  # refused with the reason


def _write(folder: Path, schema: dict[str, object]) -> Path:
    path = folder / "other.json"
    path.write_text(json.dumps(schema))
    return path
