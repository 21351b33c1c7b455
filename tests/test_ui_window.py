"""The desktop window end to end with the real starter model (pytest-qt, offscreen).

One engine host (the starter model, n_ctx 1024) is shared by the module; every test gets its own
INHOUSE_HOME (conftest), so its own database, policy and keyring.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app import secrets
from app.assistant import Assistant
from app.engine_host import EngineHost
from app.policy import save_user_setting
from app.tiers import TierKind
from tests.fake_anthropic import FakeAnthropic, fake_anthropic  # noqa: F401
from ui.consent_dialog import ConsentDialog
from ui.history_view import HistoryView
from ui.main_window import MainWindow
from ui.worker import wait_for_all

pytestmark = [pytest.mark.gui, pytest.mark.model]

RUN_TIMEOUT_MS = 120_000
COMPLAINT = ("Terrible service at your Leeds branch. I waited two hours and nobody answered the phone. "
             "Call me back: Jane Roe, jane.roe@example.com, order 48213.")


@pytest.fixture(scope="module")
def host(starter_model_path: Path) -> Iterator[EngineHost]:
    host = EngineHost(model_path=str(starter_model_path), n_ctx=1024)
    host.engine()
    yield host
    host.close()


@pytest.fixture
def assistant(host: EngineHost) -> Iterator[Assistant]:
    assistant = Assistant(host=host)
    yield assistant
    wait_for_all()
    assistant.store.close()  # the shared host stays open for the next test


@pytest.fixture
def window(qtbot: QtBot, assistant: Assistant) -> MainWindow:
    window = MainWindow(assistant)
    qtbot.addWidget(window)  # closed after the test: open questions denied, jobs waited for
    window.show()
    qtbot.waitUntil(lambda: window.model_loaded, timeout=RUN_TIMEOUT_MS)
    return window


def run_classify(qtbot: QtBot, window: MainWindow, text: str, labels: tuple[str, ...]) -> None:
    page = window.assistant_page
    page.panel.set_task("classify")
    page.panel.labels.set_labels(labels)
    page.panel.set_text(text)
    page.panel.run_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=RUN_TIMEOUT_MS)


def test_classify_run_shows_the_label_and_its_probability(qtbot: QtBot, window: MainWindow) -> None:
    labels = ("positive", "negative", "neutral")
    run_classify(qtbot, window, "I love this product. It works great and the support team was wonderful!", labels)

    result = window.assistant_page.result
    outcome = result.current
    assert outcome is not None, "the run ended without an outcome"
    assert outcome.tier is TierKind.DEVICE and outcome.answer in labels
    shown = result.outcome
    assert shown.answer.text() == outcome.answer
    probabilities = outcome.local.probabilities
    assert probabilities is not None
    rows = dict(shown.classify.rows)
    assert set(rows) == set(labels)
    assert rows[outcome.answer] == f"{probabilities[outcome.answer] * 100:.0f}%"
    assert shown.value.text() == f"{outcome.local.confidence:.2f}"
    assert shown.badge.text() == "On this device"
    # A zero-shot label set with no evidence is uncalibrated: the why line says so instead of the threshold
    assert outcome.local.uncalibrated and "is uncalibrated" in shown.why.text()


def test_gui_thread_keeps_running_during_a_classify_run(qtbot: QtBot, window: MainWindow) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    text = " ".join(["The delivery was late again, the box was damaged and two items were missing."] * 20)
    page = window.assistant_page
    page.panel.labels.set_labels(("billing", "delivery problem", "damaged item", "praise", "question", "other"))
    page.panel.set_text(text)
    timer.start()
    started = time.monotonic()
    page.panel.run_button.click()
    assert page.busy and page.result.is_busy and not page.panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: not page.busy, timeout=RUN_TIMEOUT_MS)
    ended = time.monotonic()
    timer.stop()

    assert page.result.current is not None
    stamps = [started, *ticks, ended]
    largest_gap = max(b - a for a, b in zip(stamps, stamps[1:], strict=False))
    duration = ended - started
    assert largest_gap < 1.0, f"the GUI thread stalled for {largest_gap:.2f} s during a {duration:.2f} s run"
    if duration > 0.6:  # long enough to tell a responsive loop from a blocked one
        assert largest_gap < duration / 2


@pytest.fixture
def consenting(fake_anthropic: FakeAnthropic) -> FakeAnthropic:  # noqa: F811
    """A key, a classify threshold of 1.0 (so escalation is always offered) and the fake server."""
    secrets.set_api_key("sk-test-ui-0000")
    save_user_setting("thresholds.classify", 1.0)
    return fake_anthropic


def ask_cloud(qtbot: QtBot, window: MainWindow) -> ConsentDialog:
    run_classify(qtbot, window, COMPLAINT, ("positive", "negative", "neutral"))
    ask = window.assistant_page.result.outcome.ask
    assert ask.isVisible(), "escalation was not offered below a threshold of 1.0"
    ask.click()
    qtbot.waitUntil(lambda: window.gate.current is not None and window.gate.current.isVisible(),
                    timeout=30_000)  # the first consent imports the anthropic SDK: seconds on a loaded machine
    dialog = window.gate.current
    assert dialog is not None
    return dialog


@pytest.mark.usefixtures("consenting")
def test_deny_sends_nothing(qtbot: QtBot, window: MainWindow, fake_anthropic: FakeAnthropic) -> None:  # noqa: F811
    dialog = ask_cloud(qtbot, window)
    assert "[PERSON_1]" in dialog.text and "Jane Roe" not in json.dumps(dialog.shown_payload())
    dialog.deny.click()
    page = window.assistant_page
    qtbot.waitUntil(lambda: not page.busy, timeout=RUN_TIMEOUT_MS)

    assert fake_anthropic.requests == []
    outcome = page.result.current
    assert outcome is not None and outcome.tier is TierKind.DEVICE and outcome.consent == "deny"
    assert page.result.outcome.badge.text() == "On this device"
    assert window.assistant.store.list_audit() == []


@pytest.mark.usefixtures("consenting")
def test_allow_once_sends_exactly_the_payload_shown(
    qtbot: QtBot, window: MainWindow, fake_anthropic: FakeAnthropic  # noqa: F811
) -> None:
    fake_anthropic.reply_text("negative", input_tokens=80, output_tokens=1)
    dialog = ask_cloud(qtbot, window)
    shown = json.loads(dialog.json_view.toPlainText())
    assert shown == dialog.request.payload
    dialog.allow_once.click()
    page = window.assistant_page
    qtbot.waitUntil(lambda: not page.busy, timeout=RUN_TIMEOUT_MS)

    sent = fake_anthropic.message_requests
    assert len(sent) == 1
    assert sent[0].body == dialog.request.payload
    outcome = page.result.current
    assert outcome is not None and outcome.tier is TierKind.CLOUD and outcome.answer == "negative"
    assert page.result.outcome.badge.text() == f"Cloud · {outcome.model} · sent with your consent"
    assert [(e.kind, e.consent) for e in window.assistant.store.list_audit()] == [
        ("intent", "allow_once"), ("outcome", "allow_once")]


@pytest.mark.usefixtures("consenting")
def test_text_redacted_in_the_dialog_is_not_sent(
    qtbot: QtBot, window: MainWindow, fake_anthropic: FakeAnthropic  # noqa: F811
) -> None:
    fake_anthropic.reply_text("negative")
    dialog = ask_cloud(qtbot, window)
    view = dialog.text_view
    cursor = view.textCursor()
    start = view.toPlainText().index("Leeds")
    cursor.setPosition(start)
    cursor.setPosition(start + len("Leeds"), cursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    dialog.redact.click()
    assert "Leeds" not in dialog.json_view.toPlainText()
    dialog.allow_once.click()
    qtbot.waitUntil(lambda: not window.assistant_page.busy, timeout=RUN_TIMEOUT_MS)

    (sent,) = fake_anthropic.message_requests
    assert sent.body == dialog.shown_payload()
    assert "Leeds" not in json.dumps(sent.body) and "[REDACTED_1]" in json.dumps(sent.body)


def test_history_search_finds_a_past_run(qtbot: QtBot, window: MainWindow) -> None:
    run_classify(qtbot, window, "The quarterly invoice from Northwind arrived twice.", ("billing", "other"))
    run_classify(qtbot, window, "Thanks for the lovely flowers!", ("billing", "other"))
    history: HistoryView = window.history
    window.nav.setCurrentRow(1)
    assert len(history.entries) == 2

    history.search("northwind")
    assert [e.input_text for e in history.entries] == ["The quarterly invoice from Northwind arrived twice."]
    cell = history.table.item(0, 3)
    assert history.table.rowCount() == 1 and cell is not None and "Northwind" in cell.text()
    history.table.selectRow(0)
    assert "quarterly invoice" in history.details.toPlainText()
    history.search("zebra")
    assert history.entries == [] and history.table.rowCount() == 0
