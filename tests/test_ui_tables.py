"""At the smallest window (900×600) the tables fit their width (no sideways scrolling, no cell cut at its
edge: long words wrap) and the answer panel scrolls only when its answer is longer than the room it has.
Measured from the widgets' sizes, offscreen, with real store rows and outcomes as the assistant returns."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from tests.test_ui_layout import VIEWS, assistant, window  # noqa: F401 - the fixtures, shared
from ui.main_window import MainWindow
from ui.tables import BREAK, CELL_MARGINS, fitted, shares

pytestmark = pytest.mark.gui

LONG_HOST = "llm.intranet.acme-corporation.example:8443"


def long_audit_rows(window: MainWindow) -> None:
    """Rows as long as they get: an organisation's server with a long host, its outcome with attempts, a
    request whose outcome is unknown (the app ended while it was in flight)."""
    store = window.assistant.store
    sent = store.append_intent(task="extract", tier="org", provider="openai-compatible", model="llama-3.1-70b-instruct",
                               host=LONG_HOST, consent="admin_org", body=b'{"messages": []}', payload_mode="full")
    store.append_outcome(sent, outcome="answered", attempts=[{"status": 503}, {"status": 200}], input_tokens=1200,
                         output_tokens=88)
    store.append_intent(task="summarize", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
                        host="api.anthropic.com", consent="allow_session", body=b"{}", payload_mode="hash")
    VIEWS["audit"](window)


def sideways(table: QTableView) -> dict[str, int]:
    """What would make a person scroll sideways or miss text; empty when the table fits."""
    header, found = table.horizontalHeader(), {}
    if header.length() > table.viewport().width():
        found["columns wider than the table by"] = header.length() - table.viewport().width()
    if table.horizontalScrollBar().maximum() > 0:
        found["horizontal scroll range"] = table.horizontalScrollBar().maximum()
    model = table.model()
    for row in range(model.rowCount()):
        if table.sizeHintForRow(row) > table.rowHeight(row):
            found[f"row {row} cut at the bottom by"] = table.sizeHintForRow(row) - table.rowHeight(row)
        for col in range(model.columnCount()):
            text = str(model.index(row, col).data() or "")
            wraps, width_of = table.itemDelegateForColumn(col) is not None, table.fontMetrics().horizontalAdvance
            room = header.sectionSize(col) - (CELL_MARGINS if wraps else 6)  # 6: Qt's own margins, fitted columns
            shown = fitted(text, room, width_of) if wraps else text
            widest = max((width_of(w) for w in shown.replace(BREAK, " ").split()), default=0)
            if widest > room:
                found[f"cell {row},{col} wider than its column"] = widest
    return found


def test_at_900_by_600_the_fields_and_audit_tables_do_not_scroll_sideways(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(900, 600)
    VIEWS["extract"](window)
    qtbot.wait(100)
    fields = window.assistant_page.result.outcome.extract.table
    assert fields.isVisible() and fields.rowCount() == 5
    assert sideways(fields) == {}
    assert fields.model().index(1, 1).data().startswith("priya.natarajan@northwind.example")  # the text as it is
    long_audit_rows(window)
    qtbot.wait(100)
    audit = window.audit.table
    assert audit.rowCount() == 4 and any(LONG_HOST in str(audit.model().index(r, 3).data()) for r in range(4))
    assert sideways(audit) == {}
    window.resize(1240, 800)
    qtbot.wait(100)
    assert sideways(audit) == {}


def test_the_audit_page_says_a_request_that_could_not_reach_the_host_was_not_sent(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Its consent column says how it was allowed; the outcome says what happened, from the attempts."""
    store = window.assistant.store
    intent = store.append_intent(task="classify", tier="cloud", provider="anthropic", model="claude-haiku-4-5",
                                 host="api.anthropic.com", consent="allow_once", body=b"{}", payload_mode="full")
    store.append_outcome(intent, outcome="not sent: could not reach api.anthropic.com",
                         attempts=[{"n": 1, "sent": False, "status": None}])
    VIEWS["audit"](window)
    qtbot.wait(50)
    audit = window.audit.table
    rows = {audit.item(r, 0).text(): [audit.item(r, c).text() for c in range(audit.columnCount())]
            for r in range(audit.rowCount())}
    closed = rows[str(intent + 1)]
    assert closed[4] == "Allowed once" and closed[7] == f"Not sent (#{intent}; reply: not sent)"
    assert not any("sent with your consent" in " ".join(row) for row in rows.values())
    assert rows[str(intent)][7] == "About to send"
    assert "could not reach api.anthropic.com" in audit.item(audit.row(audit.findItems(str(intent + 1),
                                                                                      Qt.MatchFlag.MatchExactly)[0]),
                                                              7).toolTip()


def titles_cut(table: QTableView) -> dict[str, int]:
    """Header titles given less width than the style says they need (title: pixels missing)."""
    header = table.horizontalHeader()
    cut = {str(table.model().headerData(c, Qt.Orientation.Horizontal)):
           header.sectionSizeFromContents(c).width() - header.sectionSize(c) for c in range(header.count())}
    return {title: missing for title, missing in cut.items() if missing > 0}


def test_at_900_by_600_the_batch_results_show_every_title_whole(qtbot: QtBot, window: MainWindow) -> None:
    """Qt's stretch split the width equally: "Answer" (and "Where") got less than their titles need."""
    window.resize(900, 600)
    VIEWS["batch"](window)
    results = window.batch.results
    qtbot.wait(100)
    assert titles_cut(results.view) == {}
    for n in range(12):  # enough rows for a vertical scroll bar, which narrows the table
        results.add({"id": f"c-inbox.mbox#{n}", "source": "c-inbox.mbox", "tier": "device", "output": "negative",
                     "confidence": 0.41, "queued": True})
    qtbot.wait(100)
    assert titles_cut(results.view) == {} and sideways(results.view) == {}
    window.resize(1240, 800)
    qtbot.wait(100)
    header = results.view.horizontalHeader()
    widths = [header.sectionSize(c) for c in (0, 1, 3)]  # with room, the long columns share it evenly
    assert max(widths) - min(widths) <= 1 and titles_cut(results.view) == {} and sideways(results.view) == {}


def test_the_width_left_is_shared_so_each_title_fits() -> None:
    assert shares(200, [54, 76, 68]) == [56, 76, 68]  # equal thirds (66) would cut the two longer titles
    assert shares(300, [10, 10, 10]) == [100, 100, 100]
    assert shares(100, [60, 60]) == [50, 50]  # titles need more than there is: an even split, as before
    assert shares(301, [10, 200, 10]) == [51, 200, 50]  # every pixel is given out


def test_a_short_answer_does_not_scroll_over_empty_space(qtbot: QtBot, window: MainWindow) -> None:
    """After a long Extract answer, a short summary: the panel is as tall as what it shows, not as tall as
    the tallest answer it could show."""
    window.resize(900, 600)
    area = window.assistant_page.result.outcome_area
    VIEWS["extract"](window)
    qtbot.wait(100)
    assert area.verticalScrollBar().maximum() > 0  # a long answer scrolls at this size
    window.assistant_page.result.outcome.show_correction("")
    for view in ("summarize", "cloud-answer"):
        VIEWS[view](window)
        window.assistant_page.result.outcome.show_correction("")  # the views add a long banner; a short answer
        qtbot.wait(100)
        assert area.verticalScrollBar().maximum() == 0, view


def test_at_900_by_600_the_batch_results_do_not_scroll_sideways(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(900, 600)
    window.show_page(window.pages.indexOf(window.batch))
    results = window.batch.results
    results.add({"id": "msg1.txt", "output": "positive", "confidence": 0.57, "tier": "device"})
    results.add({"id": "<20261130.4471@mail.northwind.example>", "output": "negative", "confidence": 0.41,
                 "tier": "device", "queued": True})
    results.add({"id": "scan.pdf", "error": "The file scan.pdf has no text layer: it is a scanned image."})
    qtbot.wait(100)
    assert results.rows()[1][3] == "On this device · queued for later"
    assert sideways(results.view) == {}


def test_at_900_by_600_the_examples_per_label_show_whole_labels(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(900, 600)
    VIEWS["classifiers"](window)
    qtbot.wait(100)
    labels = window.classifiers.training.labels
    assert labels.rowCount() == 3 and labels.model().index(2, 0).data() == "get_disposable_virtual_card"
    assert sideways(labels) == {}
