"""What a person noticed clicking through the app as an admin's user (Xvfb, 1366×768), checked on the real
widgets offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import paths
from app.assistant import Assistant
from app.engine_host import EngineHost
from app.policy import save_user_setting
from ui.history_view import HistoryView
from ui.window_geometry import FRAME

pytestmark = pytest.mark.gui


def make_assistant(admin: str = "") -> Assistant:
    if admin:
        path = paths.admin_policy_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(admin, encoding="utf-8")
    return Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))


@pytest.fixture
def closing() -> Iterator[list[Assistant]]:
    made: list[Assistant] = []
    yield made
    for assistant in made:
        assistant.store.close()


def test_history_turned_off_by_the_admin_does_not_send_the_user_to_settings(
        qtbot: QtBot, closing: list[Assistant]) -> None:
    locked = make_assistant("[privacy]\nstore_history = false\n")
    closing.append(locked)
    view = HistoryView(locked)
    qtbot.addWidget(view)
    view.refresh()
    assert "administrator" in view.subtitle.text() and "Settings" not in view.subtitle.text()


def test_history_turned_off_by_the_user_says_where_to_turn_it_on(qtbot: QtBot, closing: list[Assistant]) -> None:
    save_user_setting("privacy.store_history", False)
    own = make_assistant()
    closing.append(own)
    view = HistoryView(own)
    qtbot.addWidget(view)
    view.refresh()
    assert "Keep a searchable history" in view.subtitle.text() and "administrator" not in view.subtitle.text()


CONSENT_ON_SCREEN = """
import json
from PySide6.QtWidgets import QApplication
from tests.test_ui_consent import make_request
from ui.app import apply_style
from ui.consent_dialog import ConsentDialog

app = QApplication([])
apply_style(app)
dialog = ConsentDialog(make_request())
dialog.show()
app.processEvents()
print(json.dumps({"dialog": [dialog.width(), dialog.height()], "screen": dialog.screen().availableGeometry().getRect(),
                  "buttons": dialog.deny.mapTo(dialog, dialog.deny.rect().bottomLeft()).y()}))
"""


def test_the_consent_dialog_fits_a_short_screen(tmp_path: Path) -> None:
    """780×640 is taller than a 1024×600 netbook's screen: the dialog is made shorter, its buttons inside."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "netbook", "x": 0, "y": 0, "width": 1024, "height": 600,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    done = subprocess.run([sys.executable, "-c", CONSENT_ON_SCREEN], env=env, capture_output=True, text=True,
                          timeout=120, check=False, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    width, height = shown["dialog"]
    assert height + FRAME.height() <= 600 and width == 780, shown
    assert shown["buttons"] < height, shown


def test_the_review_bill_heads_are_words_with_their_meaning_on_hover(qtbot: QtBot, closing: list[Assistant]) -> None:
    from ui.review_page import ReviewPage

    assistant = make_assistant()
    closing.append(assistant)
    page = ReviewPage(assistant)
    qtbot.addWidget(page)
    heads = [page.table.horizontalHeaderItem(c) for c in range(1, page.table.columnCount())]
    texts = [h.text() for h in heads if h is not None]
    assert not {"corr./100", "consents +/-", "frontier only", "mean conf.", "re-run"} & set(texts), texts
    assert all(h is not None and h.toolTip() for h in heads)
    page.refresh()
    assert not page.table.isVisibleTo(page) and not page.save_html.isEnabled()  # while the month is read
    qtbot.waitUntil(lambda: "Reading" not in page.message.text(), timeout=10_000)  # its first read, in the pool
