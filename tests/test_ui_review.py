"""The Review page offscreen: real store rows, real matplotlib charts as pixmaps, apply a threshold,
a locked threshold, a month with no data, the page in the main window's sidebar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app import paths
from app.assistant import Assistant
from app.engine_host import EngineHost
from app.policy import load_policy
from app.review import current_month
from app.review_report import NO_DATA
from app.store_usage import UsageEvent
from tests.conftest import write_policy
from ui.main_window import MainWindow
from ui.review_page import ReviewPage
from ui.worker import wait_for_all

pytestmark = [pytest.mark.gui]


def _event(confidence: float, tier: str, corrected: bool = False) -> UsageEvent:
    return UsageEvent(month=current_month(), task="classify", profile="tickets", origin="run", tier=tier,
                      action="accept" if tier == "device" else "ask_consent",
                      consent="not_asked" if tier == "device" else "allow_once", priced_model="claude-haiku-4-5",
                      confidence=confidence, frontier_input_tokens=200, frontier_output_tokens=4,
                      frontier_usd=0.00022, spent_input_tokens=0 if tier == "device" else 200,
                      spent_output_tokens=0 if tier == "device" else 4, spent_usd=0.0 if tier == "device" else 0.00022)


@pytest.fixture
def assistant(inhouse_home: Path) -> Iterator[Assistant]:
    a = Assistant(host=EngineHost())  # the model is never loaded: the page reads aggregates only
    for _ in range(30):
        a.store.record_usage(_event(0.85, "device"))
    for _ in range(12):
        a.store.record_usage(_event(0.66, "cloud"))
    a.store.record_usage_correction(current_month(), "classify", "tickets", 0.85)
    yield a
    wait_for_all()
    a.close()


def _cell(page: ReviewPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    assert item is not None
    return item.text()


def _loaded(qtbot: QtBot, page: ReviewPage) -> None:
    page.built = None
    page.refresh()
    qtbot.waitUntil(lambda: page.built is not None, timeout=60_000)


def test_the_page_renders_the_bill_thresholds_and_charts(qtbot: QtBot, assistant: Assistant, tmp_path: Path) -> None:
    page = ReviewPage(assistant)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    assert page.message.text() == f"42 messages in {current_month()}."
    cells = [_cell(page, r, 0) for r in range(page.table.rowCount())]
    assert cells == ["classify / tickets", "total"]  # one profile: no "classify (all)" row repeating it
    assert _cell(page, 1, 1) == "42" and _cell(page, 1, 3) == "29%"  # 12 of 42 escalated
    assert len(page.chart_labels) == 2 and all(not label.pixmap().isNull() for label in page.chart_labels)
    button = page.apply_buttons["classify"]
    assert button.isEnabled() and button.text() == "Apply 0.66"
    with qtbot.waitSignal(page.policy_changed):
        button.click()
    assert load_policy().policy.thresholds.classify == pytest.approx(0.66)
    qtbot.waitUntil(lambda: page.built is not None and page.built.review.thresholds[0].current == pytest.approx(0.66))
    page.save_report(tmp_path / "r.html")
    assert "<svg" in (tmp_path / "r.html").read_text("utf-8")
    page.export_to(tmp_path / "a.json")
    assert "tickets" not in (tmp_path / "a.json").read_text("utf-8")  # labels not allowed by default


def test_a_locked_threshold_cannot_be_applied(qtbot: QtBot, assistant: Assistant) -> None:
    write_policy(paths.admin_policy_path(), "[thresholds]\nclassify = 0.70\n")
    assistant.reload_policy()
    page = ReviewPage(assistant)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    assert not page.apply_buttons["classify"].isEnabled()
    assert "administrator" in page.apply_buttons["classify"].toolTip()


def test_a_month_with_no_data_says_so(qtbot: QtBot, inhouse_home: Path) -> None:
    a = Assistant(host=EngineHost())
    page = ReviewPage(a)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    assert page.message.text() == NO_DATA.format(month=current_month())
    assert not page.chart_labels and page.table.rowCount() == 0
    assert page.thresholds.count() == 0  # said once, not again for each task
    assert not page.save_html.isEnabled() and page.save_html.toolTip()  # nothing to save, and why
    window = MainWindow(a, load_model=False)
    qtbot.addWidget(window)
    assert window.nav.item(window.nav.count() - 1).text() == "Review"
    window.show_page(window.nav.count() - 1)
    assert window.pages.currentWidget() is window.review
    wait_for_all()
    a.close()


def test_saving_the_review_starts_at_home_then_where_the_last_file_went(
        qtbot: QtBot, assistant: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The review's Save and Export use the app's file dialogs (ui/file_dialogs), not the folder the app was
    started from; a folder that can't be written to says so instead of a traceback. Qt's modal dialog is
    replaced by one that records where it opened and answers as a person would."""
    from PySide6.QtWidgets import QFileDialog, QWidget

    reports = tmp_path / "reports"
    reports.mkdir()
    answers = [str(reports / "march.html"), str(reports / "aggregate.json"), str(tmp_path / "missing" / "r.html")]
    opened_at: list[str] = []

    def pick(parent: QWidget, title: str, where: str, file_filter: str) -> tuple[str, str]:
        opened_at.append(where)
        return answers[len(opened_at) - 1], file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(pick))
    page = ReviewPage(assistant)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    page.save_html.click()
    assert opened_at == [str(Path.home() / f"inhouse-review-{current_month()}.html")]
    assert "<svg" in (reports / "march.html").read_text("utf-8") and page.message.text().startswith("Saved")
    page.export.click()
    assert opened_at[1] == str(reports / "inhouse-aggregate.json")
    assert (reports / "aggregate.json").exists() and page.message.text().startswith("Exported")
    page.save_html.click()  # a folder that does not exist
    assert page.message.text().startswith("Not saved:") and "another folder" in page.message.text()


def test_at_the_smallest_window_the_review_scrolls_down_only(qtbot: QtBot, assistant: Assistant) -> None:
    """At 900×600 the page is ~690 px wide: the sentences wrap and the charts fit (scaled or one under the
    other) instead of the whole page scrolling sideways with the sentences cut at its edge."""
    page = ReviewPage(assistant)
    qtbot.addWidget(page)
    page.resize(690, 500)
    page.show()
    qtbot.waitExposed(page)
    _loaded(qtbot, page)
    qtbot.wait(100)
    room = page.area.viewport().width()
    body = page.area.widget()
    assert body.width() <= room and page.area.horizontalScrollBar().maximum() == 0
    assert page.chart_labels and all(label.pixmap().width() <= room for label in page.chart_labels)
    assert all(label.geometry().right() <= room for label in page.chart_labels)
    sentences = [w for w in body.findChildren(QLabel) if w.wordWrap() and w.isVisible()]
    assert sentences and all(w.mapTo(body, w.rect().topRight()).x() <= room for w in sentences)
    assert page.table.verticalScrollBar().maximum() == 0  # as tall as its rows
