"""The consent dialog and the gate that asks it from a worker thread (no model needed)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.consent import ConsentChoice, ConsentDecision, ConsentRequest, Highlight
from ui.consent_dialog import ConsentDialog
from ui.consent_gate import DialogConsentGate

pytestmark = pytest.mark.gui

TEXT = "Please call [PERSON_1] about the Leeds office move."


def make_request(allow_session: bool = True) -> ConsentRequest:
    start = TEXT.index("[PERSON_1]")
    payload = {"model": "claude-haiku-4-5", "max_tokens": 64, "system": "Classify the text.",
               "messages": [{"role": "user", "content": TEXT}]}
    return ConsentRequest(
        task="classify", text=TEXT, payload=payload,
        highlights=(Highlight(start, start + len("[PERSON_1]"), "PERSON", "[PERSON_1]"),),
        provider="anthropic", model="claude-haiku-4-5", tier="cloud", tier_label="Cloud",
        destination="api.anthropic.com",
        estimated_input_tokens=40, estimated_output_tokens=2,
        estimated_cost_usd=0.0001, max_cost_usd=0.0004, reason="confidence 0.41 below threshold 0.70 for classify",
        allow_session=allow_session,
    )


@pytest.fixture
def dialog(qtbot: QtBot) -> ConsentDialog:
    dialog = ConsentDialog(make_request())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_Return])
def test_escape_and_enter_deny(qtbot: QtBot, dialog: ConsentDialog, key: Qt.Key) -> None:
    assert dialog.deny.isDefault() and dialog.focusWidget() is dialog.deny
    qtbot.keyClick(dialog, key)  # type: ignore[no-untyped-call]
    assert not dialog.isVisible()
    assert dialog.decision() == ConsentDecision(ConsentChoice.DENY)


def test_the_dialog_shows_the_exact_payload_with_redactions_marked(dialog: ConsentDialog) -> None:
    assert dialog.json_view.toPlainText() == make_request().payload_json()
    marked = [s.cursor.selectedText() for s in dialog.text_view.extraSelections()]
    assert marked == ["[PERSON_1]"]
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Cloud · api.anthropic.com · claude-haiku-4-5" in texts  # the tier, the host and the model
    assert "about $0.0001 (at most $0.0004)" in texts
    assert any("confidence 0.41 below threshold 0.70" in t for t in texts)
    assert dialog.allow_session.isVisible() and dialog.allow_session.text() == "Allow Classify for this session"


def test_redacting_a_selection_changes_what_would_be_sent(dialog: ConsentDialog) -> None:
    view = dialog.text_view
    cursor = view.textCursor()
    start = TEXT.index("Leeds")
    cursor.setPosition(start)
    cursor.setPosition(start + len("Leeds"), cursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    dialog.redact.click()

    edited = "Please call [PERSON_1] about the [REDACTED_1] office move."
    assert dialog.text == edited
    assert dialog.shown_payload()["messages"][0]["content"] == edited
    assert "Leeds" not in dialog.json_view.toPlainText()
    assert sorted(s.cursor.selectedText() for s in view.extraSelections()) == ["[PERSON_1]", "[REDACTED_1]"]
    dialog.allow_once.click()
    assert dialog.decision() == ConsentDecision(ConsentChoice.ALLOW_ONCE, edited_text=edited,
                                                added_mapping={"[REDACTED_1]": "Leeds"})

    dialog.undo_redaction()
    assert dialog.text == TEXT


def test_invisible_characters_are_shown_but_sent_as_they_are(qtbot: QtBot) -> None:
    hidden = "Call [PERSON_1] about the Leeds\u200b office,\u00a0floor 2."
    start = hidden.index("[PERSON_1]")
    request = ConsentRequest(
        task="classify", text=hidden, payload={"messages": [{"role": "user", "content": hidden}]},
        highlights=(Highlight(start, start + len("[PERSON_1]"), "PERSON", "[PERSON_1]"),),
        provider="anthropic", model="claude-haiku-4-5", estimated_input_tokens=40, estimated_output_tokens=2,
        estimated_cost_usd=0.0001, max_cost_usd=0.0004, reason="confidence 0.41 below threshold 0.70",
        allow_session=False,
    )
    dialog = ConsentDialog(request)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.text_view.toPlainText() == "Call [PERSON_1] about the Leeds◇ office,⍽floor 2."
    assert "Leeds◇ office,⍽floor" in dialog.json_view.toPlainText()
    assert dialog.invisible_note.isVisible()
    view, cursor = dialog.text_view, dialog.text_view.textCursor()
    begin = hidden.index("floor")
    cursor.setPosition(begin)
    cursor.setPosition(begin + len("floor 2"), cursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    dialog.redact.click()  # a selection after the marks still lines up with the real text
    assert dialog.text == "Call [PERSON_1] about the Leeds\u200b office,\u00a0[REDACTED_1]."
    dialog.allow_once.click()
    assert dialog.decision().added_mapping == {"[REDACTED_1]": "floor 2"}


def test_session_choice_is_offered_only_where_policy_permits(qtbot: QtBot) -> None:
    dialog = ConsentDialog(make_request(allow_session=False))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.allow_session.isVisible()


def test_gate_blocks_the_worker_until_the_user_answers(qtbot: QtBot) -> None:
    gate = DialogConsentGate()
    answers: list[ConsentDecision] = []
    worker = threading.Thread(target=lambda: answers.append(gate.ask(make_request())))
    with qtbot.waitSignal(gate.dialog_opened, timeout=5000) as opened:
        worker.start()
    dialog = opened.args[0]
    assert isinstance(dialog, ConsentDialog) and dialog.isVisible()
    qtbot.wait(50)
    assert worker.is_alive() and answers == []  # still waiting for the user
    dialog.allow_once.click()
    worker.join(timeout=5)
    assert answers == [ConsentDecision(ConsentChoice.ALLOW_ONCE)]


def test_closing_the_window_denies_an_open_question(qtbot: QtBot) -> None:
    gate = DialogConsentGate()
    answers: list[ConsentDecision] = []
    worker = threading.Thread(target=lambda: answers.append(gate.ask(make_request())))
    with qtbot.waitSignal(gate.dialog_opened, timeout=5000):
        worker.start()
    gate.deny_all()
    worker.join(timeout=5)
    assert answers == [ConsentDecision(ConsentChoice.DENY)]
    assert gate.ask(make_request()).choice is ConsentChoice.DENY  # refuses new questions once closed
