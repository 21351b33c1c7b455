"""What a person clicking through the app under X (900×600, a new user, an admin) found doing nothing or
reading oddly: buttons that act on nothing are disabled until there is something."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from tests.test_ui_layout import LONG_TEXT, MODEL, assistant, window  # noqa: F401 - the fixtures, shared
from ui.main_window import MainWindow
from ui.tiers_box import tier_summary

pytestmark = pytest.mark.gui


def test_clear_all_is_offered_only_when_there_is_a_history(qtbot: QtBot, window: MainWindow) -> None:
    history = window.history
    window.go_to_page(1)
    assert history.entries == [] and not history.clear_button.isEnabled()
    window.assistant.store.add_history(
        task="classify", input_text=LONG_TEXT, output="billing", confidence=0.8, tier="local", model=MODEL,
        method="label-scoring", latency_ms=900.0, decision="accept", reason="reason", audit_id=None, details={})
    history.refresh()
    assert len(history.entries) == 1 and history.clear_button.isEnabled()
    history.search("zebra")  # no match: the history is still there to clear
    assert history.entries == [] and history.clear_button.isEnabled()


def test_the_tiers_say_when_the_next_one_is_asked(window: MainWindow) -> None:
    first, *rest = window.assistant.tiers()
    text = tier_summary(first, last=False)
    assert "the next one is asked when its confidence is below" in text and "goes on" not in text
