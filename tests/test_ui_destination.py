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
    assert "Anthropic · claude-haiku-4-5 at gateway.example.org:8443 (cloud)" in texts
