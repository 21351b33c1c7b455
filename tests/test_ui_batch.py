"""The Batch page offscreen (pytest-qt) with the real starter model over a real small folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import batch_jobs
from app.assistant import Assistant
from app.batch import done_ids
from app.engine_host import EngineHost
from tests.documents_factory import message, write_docx, write_mbox, write_pdf
from ui.batch_page import BatchPage
from ui.worker import wait_for_all

pytestmark = [pytest.mark.gui, pytest.mark.model]
TIMEOUT_MS = 300_000


@pytest.fixture
def assistant(engine: object) -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(engine=engine))  # type: ignore[arg-type]
    yield assistant
    wait_for_all()
    assistant.store.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "day"
    folder.mkdir()
    write_pdf(folder / "a-thanks.pdf", ["Thank you, the repair was quick and the staff were lovely."])
    write_docx(folder / "b-complaint.docx", ["The device broke again after one day. I am very unhappy."])
    write_mbox(folder / "c-inbox.mbox", [message("x@example.org", "Great", "Wonderful service, thanks!"),
                                         message("y@example.org", "Bad", "Awful, it still does not work.")])
    write_pdf(folder / "d-locked.pdf", ["secret"], password="pw")
    return folder


def test_batch_page_runs_a_folder_and_exports(qtbot: QtBot, assistant: Assistant, folder: Path,
                                              tmp_path: Path) -> None:
    page = BatchPage(assistant)
    qtbot.addWidget(page)
    page.show()
    assert not page.run_button.isEnabled()  # nothing to run over yet
    page.add_paths([folder])
    assert page.count.text() == "5 items to run"
    page.labels.set_labels(("positive", "negative"))
    assert page.run_button.isEnabled()
    page.start()
    assert page.busy and page.pause_button.isEnabled() and not page.run_button.isEnabled()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
    rows = {row[0]: row for row in page.results.rows()}
    assert set(rows) == {"a-thanks.pdf", "b-complaint.docx", "c-inbox.mbox#1", "c-inbox.mbox#2", "d-locked.pdf"}
    assert rows["a-thanks.pdf"][1] in ("positive", "negative") and rows["a-thanks.pdf"][3].startswith("On this device")
    assert "password-protected" in rows["d-locked.pdf"][1] and rows["d-locked.pdf"][3] == "Could not run"
    assert page.progress.value() == page.progress.maximum() == 5
    assert "5 of 5 done" in page.state.text() and "1 could not be read" in page.state.text()
    assert page.job is not None and page.job.state == "finished" and batch_jobs.unfinished() is None

    page.export_to(tmp_path / "out.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet.max_row == 6 and "Exported 5 rows" in page.banner.text()


def test_paused_batch_is_offered_for_resume_after_the_page_is_gone(
    qtbot: QtBot, assistant: Assistant, folder: Path
) -> None:
    page = BatchPage(assistant)
    qtbot.addWidget(page)
    page.add_paths([folder / "c-inbox.mbox", folder / "a-thanks.pdf", folder / "b-complaint.docx"])
    page.labels.set_labels(("positive", "negative"))
    page.start()
    qtbot.waitUntil(lambda: page.results.view.rowCount() >= 1, timeout=TIMEOUT_MS)
    page.pause()
    qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
    job = page.job
    assert job is not None and 1 <= job.done() < 4 and page.resume_button.isVisibleTo(page)

    again = BatchPage(assistant)  # e.g. the app restarted after a crash or a closed lid
    qtbot.addWidget(again)
    assert again.resume_button.isVisibleTo(again) and "unfinished batch" in again.banner.text()
    again.resume()
    qtbot.waitUntil(lambda: not again.busy, timeout=TIMEOUT_MS)
    assert sorted(done_ids(job.results)) == sorted(["c-inbox.mbox#1", "c-inbox.mbox#2", "a-thanks.pdf",
                                                    "b-complaint.docx"])
    assert again.results.view.rowCount() == 4 and batch_jobs.unfinished() is None
