"""The consent dialog names where the bytes go (issue #9 part 3)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.test_ui_consent import make_request
from ui.consent_dialog import ConsentDialog

pytestmark = pytest.mark.gui


def test_the_consent_dialog_names_the_destination_host_and_tier(qtbot: QtBot) -> None:
    dialog = ConsentDialog(replace(make_request(), destination="gateway.example.org:8443", tier="cloud"))
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Cloud · gateway.example.org:8443 · claude-haiku-4-5" in texts  # the tier, the host, the model
    org = ConsentDialog(replace(make_request(), destination="llm.acme.internal", tier="org",
                                tier_label="On Acme's server"))
    qtbot.addWidget(org)
    assert "On Acme's server · llm.acme.internal · claude-haiku-4-5" in [w.text() for w in org.findChildren(QLabel)]
    assert org.windowTitle().startswith("Ask Acme's server?")


def test_the_window_opens_on_a_damaged_database_and_says_so(qtbot: QtBot) -> None:
    from app import paths
    from app.assistant import Assistant
    from app.engine_host import EngineHost
    from ui.main_window import MainWindow

    db = paths.current().database
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"not a database " * 100)
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))  # never loaded here
    window = MainWindow(assistant)
    qtbot.addWidget(window)
    assert "unavailable" in window.status.spend.text()
    for index in range(window.pages.count()):
        window.show_page(index)  # history, audit...: no exception, each says why
    assert "unavailable" in window.history.subtitle.text()
    assistant.close()
