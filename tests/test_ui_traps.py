"""The traps a week of real use found (issue #10), each with the real widgets (no model needed):
the wheel over an unfocused setting, a key with no keyring, Deny on a queued request, stale answers
after switching task, and state that has to survive a restart."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QDoubleSpinBox, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from app import paths, secrets
from app.assistant import Assistant
from app.engine_host import EngineHost
from app.outcome import Action, Outcome
from app.router import Decision, DecisionKind, DenyReason
from app.tiers import TierKind
from inference.errors import InputInvalid
from inference.tasks.base import ClassifySpec, TaskRequest, TaskResult
from inference.tasks.serialize import request_to_json
from ui.main_window import MainWindow
from ui.settings_view import SettingsView
from ui.spec_editors import CUSTOM
from ui.worker import TaskDone

pytestmark = pytest.mark.gui


@pytest.fixture
def assistant() -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))  # never loaded here
    yield assistant
    assistant.store.close()


@pytest.fixture
def window(qtbot: QtBot, assistant: Assistant) -> MainWindow:
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    window.show()
    # the key store is first read in the background after the first paint (#11); the status bar then says
    qtbot.waitUntil(lambda: window.status.network.property("state") != "checking", timeout=10_000)
    return window


def wheel(widget: QWidget, steps: int = -3) -> None:
    """Scroll the mouse wheel over the middle of ``widget`` (negative: towards the user, i.e. down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_page_and_leaves_an_unfocused_setting_alone(qtbot: QtBot, assistant: Assistant) -> None:
    view = SettingsView(assistant)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    box = view.form.editors["thresholds.summarize"]
    assert isinstance(box, QDoubleSpinBox)
    before, bar = box.value(), view.verticalScrollBar()
    assert bar.maximum() > 0, "the page must be taller than the view for this test"
    view.ensureWidgetVisible(box)
    scrolled_from = bar.value()
    wheel(box, -1)
    assert box.value() == before  # the setting did not move...
    assert not paths.current().user_policy.exists()  # ...and nothing was saved
    assert bar.value() > scrolled_from  # the page scrolled instead

    for spin in view.findChildren(QAbstractSpinBox):  # every spin box in Settings, not just one
        value = spin.text()
        wheel(spin, 1)
        assert spin.text() == value, spin.accessibleName()

    box.setFocus()  # a setting the user has focused still takes the wheel, as people expect
    qtbot.waitUntil(box.hasFocus)
    wheel(box, 1)
    assert box.value() == pytest.approx(before + box.singleStep())


def test_the_assistant_spin_box_and_drop_downs_ignore_the_wheel_until_focused(window: MainWindow) -> None:
    panel = window.assistant_page.panel
    panel.set_task("summarize")
    words = panel.summary.words.value()
    wheel(panel.summary.words, 2)
    panel.set_task("extract")
    wheel(panel.schema.templates, -1)
    assert panel.summary.words.value() == words and panel.schema.template() == "invoice"


def test_without_a_keyring_the_key_is_kept_for_this_session_and_it_says_so(
    qtbot: QtBot, window: MainWindow
) -> None:
    keyring.set_keyring(fail.Keyring())  # a desktop with no OS keyring (the conftest fixture restores it)
    assert window.status.network.text() == "Cloud: no API key" and window.status.key.isVisibleTo(window)
    window.status.key.click()  # "Add an API key…" in the status bar opens Settings at the key
    box = window.settings.key
    assert window.pages.currentWidget() is window.settings and box.field.hasFocus()

    box.field.setText("sk-ant-session-only-1")
    box.save_button.click()
    assert secrets.get_api_key() == "sk-ant-session-only-1"
    assert box.field.text() == ""  # never left in the widget
    assert box.message.isVisibleTo(window) and "for this session only" in box.message.text()
    assert "session only" in box.status.text()
    assert window.status.network.text() == "Online" and not window.status.key.isVisibleTo(window)

    box.clear_button.click()  # "Remove key" forgets it
    assert secrets.get_api_key() is None and window.status.network.text() == "Cloud: no API key"


def test_an_invalid_key_is_refused_and_left_to_fix(window: MainWindow) -> None:
    box = window.settings.key
    box.field.setText("sk-ant with spaces")
    box.save_button.click()
    assert secrets.get_api_key() is None and box.field.text() == "sk-ant with spaces"
    assert "spaces" in box.message.text()


def queue_one(assistant: Assistant) -> int:
    """A classify request kept in the queue while offline (what Assistant._queue stores)."""
    request = TaskRequest("Where is my card? It should have arrived last week.", ClassifySpec(("card", "other")))
    local = TaskResult("classify", "card", 0.4, model="SmolLM2-135M-Instruct.Q4_1")
    return assistant.store.enqueue(task="classify", request={"request": request_to_json(request),
                                                             "local": local.to_json()}, reason="offline")


@pytest.mark.usefixtures("guard")
def test_deny_on_a_queued_request_leaves_it_queued_and_says_so(qtbot: QtBot, window: MainWindow) -> None:
    from app import egress

    secrets.set_api_key("sk-ant-test-queue")
    queued = queue_one(window.assistant)
    window.assistant.reload_policy()
    window.status.refresh(window.assistant)
    assert window.status.send.isVisibleTo(window)
    window.status.send.click()  # "Send now"
    qtbot.waitUntil(lambda: window.gate.current is not None and window.gate.current.isVisible(),
                    timeout=30_000)  # the first consent imports the anthropic SDK: seconds on a loaded machine
    window.gate.current.deny.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "queue" in window.status.currentMessage() and "Sending" not in
                    window.status.currentMessage(), timeout=30_000)

    assert [item.id for item in window.assistant.store.list_queue()] == [queued]
    message = window.status.currentMessage()
    assert "Sent 0" in message and "1 still in the queue (you declined)" in message
    assert window.status.queue.text() == "1 queued" and window.status.send.isVisibleTo(window)
    assert window.assistant.store.list_audit() == []
    assert egress.blocked_attempts() == [] and egress.allowed_attempts() == []  # nothing tried to leave


def classify_outcome(action: Action = Action.ACCEPT, confidence: float = 0.9) -> Outcome:
    request = TaskRequest("text", ClassifySpec(labels=("a", "b")))
    local = TaskResult("classify", "a", confidence, model="SmolLM2-135M-Instruct.Q4_1",
                       probabilities={"a": confidence, "b": 1 - confidence})
    kind = {Action.ACCEPT: DecisionKind.ACCEPT, Action.DENY: DecisionKind.DENY}.get(action, DecisionKind.QUEUE)
    deny = DenyReason.NO_KEY if action is Action.DENY else None
    decision = Decision(kind, "reason", 0.7, confidence, TierKind.DEVICE, TierKind.CLOUD, deny, None,
                        "the Anthropic API")
    return Outcome(request, local, "a", action, "reason", decision)


def test_switching_task_or_template_clears_the_old_answer_and_error(window: MainWindow) -> None:
    page = window.assistant_page
    result = page.result
    result.show_outcome(classify_outcome(), 0.7)
    page.panel.task_buttons.button(1).click()  # the Extract button, as a mouse click (checked before it signals)
    assert page.panel.task() == "extract"
    assert result.stack.currentWidget() is result.empty and result.current is None

    result.show_error(InputInvalid("old problem", hint="old hint"))
    page.panel.schema.templates.setCurrentIndex(page.panel.schema.templates.findData("contact"))
    page.panel.schema.templates.activated.emit(page.panel.schema.templates.currentIndex())
    assert result.stack.currentWidget() is result.empty

    result.show_outcome(classify_outcome(), 0.7)
    page.panel.task_buttons.button(1).click()  # the same task again: nothing to clear
    assert result.stack.currentWidget() is result.outcome_area


def test_a_typed_schema_is_your_own_not_the_template(window: MainWindow) -> None:
    schema = window.assistant_page.panel.schema
    schema.set_template("invoice")
    schema.editor.setPlainText('{"type": "object", "properties": {"ticket": {"type": "string"}}}')
    assert schema.template() == CUSTOM and schema.templates.currentText() == "Your own schema"
    schema.set_template("meeting")  # a look at a template...
    schema.set_template(CUSTOM)  # ...and back: the user's text is still there
    assert '"ticket"' in schema.editor.toPlainText()


def test_an_old_file_error_goes_when_the_next_run_starts(window: MainWindow, tmp_path: object) -> None:
    panel = window.assistant_page.panel
    panel.set_text("Some text")
    panel.input_error.setText("old.pdf: .pdf files are not supported")
    panel.input_error.show()
    panel.set_busy(True, "Running…")
    assert not panel.input_error.isVisibleTo(window)
    panel.set_busy(False)


def test_no_key_result_offers_to_add_one_and_a_queued_one_to_send(qtbot: QtBot, window: MainWindow) -> None:
    page = window.assistant_page
    denied = replace(classify_outcome(Action.DENY, 0.55),
                     reason="no API key is set for anthropic: run `inhouse key set`")
    page._finished(TaskDone(denied))  # how a run's outcome arrives from the worker
    shown = page.result.outcome
    assert shown.key_button.isVisibleTo(window) and "inhouse" not in shown.why.text()
    assert "no API key" in shown.why.text()
    shown.key_button.click()
    assert window.pages.currentWidget() is window.settings

    queued = replace(classify_outcome(Action.QUEUE, 0.55), notice="Kept in the queue (`inhouse queue send`).")
    page.result.show_outcome(queued, 0.7)
    assert shown.queue_button.isVisibleTo(page) and "inhouse" not in shown.notice.text()


def test_state_survives_a_restart_of_the_main_window(qtbot: QtBot, assistant: Assistant) -> None:
    first = MainWindow(assistant, load_model=False)
    qtbot.addWidget(first)
    first.show()
    panel = first.assistant_page.panel
    panel.labels.set_labels(("urgent", "can wait", "spam"))
    panel.summary.words.setValue(120)
    panel.schema.editor.setPlainText('{"type": "object", "properties": {"ticket": {"type": "string"}}}')
    panel.choose_task("extract")
    first.resize(1000, 700)
    first.move(40, 30)
    first.close()
    assert (paths.current().config_dir / "ui-state.ini").is_file()

    second = MainWindow(assistant, load_model=False)
    qtbot.addWidget(second)
    second.show()
    restored = second.assistant_page.panel
    assert restored.task() == "extract" and restored.schema.isVisibleTo(second)
    assert restored.labels.spec().labels == ("urgent", "can wait", "spam")
    assert restored.summary.words.value() == 120
    assert restored.schema.template() == CUSTOM and '"ticket"' in restored.schema.editor.toPlainText()
    assert second.size().toTuple() == (1000, 700) and second.pos().toTuple() == (40, 30)


def test_a_damaged_state_file_falls_back_to_the_defaults(qtbot: QtBot, assistant: Assistant) -> None:
    state = paths.current().config_dir / "ui-state.ini"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(b"[assistant]\ntask=teleport\nsummary_words=lots\n\x00\xff garbage")
    window = MainWindow(assistant, load_model=False)
    qtbot.addWidget(window)
    panel = window.assistant_page.panel
    assert panel.task() == "classify" and panel.summary.words.value() == 60


def test_settings_saved_from_the_form_are_only_what_the_user_changed(window: MainWindow) -> None:
    """The remembered UI state is not policy: closing the window writes nothing to policy.toml."""
    window.close()
    user_policy = paths.current().user_policy
    assert not user_policy.exists() or tomllib.loads(user_policy.read_text()) == {}


def test_file_dialogs_open_at_home_then_where_the_last_file_was_chosen(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Not in the folder the app was started from (the source folder, in the week of use). Qt's modal
    dialog is replaced by one that records where it opened and picks a file, as a person would."""
    letters = tmp_path / "letters"
    letters.mkdir()
    letter = letters / "letter.txt"
    letter.write_text("Dear team, the March invoice was charged twice.", encoding="utf-8")
    opened_in: list[str] = []

    def pick_files(parent: QWidget, title: str, folder: str, file_filter: str) -> tuple[list[str], str]:
        opened_in.append(folder)
        return [str(letter)], file_filter

    def pick_nothing(parent: QWidget, title: str, folder: str) -> str:
        opened_in.append(folder)
        return ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(pick_files))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(pick_nothing))
    window.batch.choose_files()
    window.batch.choose_folder()
    assert opened_in == [str(Path.home()), str(letters)]
