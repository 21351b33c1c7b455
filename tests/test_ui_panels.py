"""The input side of the window and the wording of results (no model needed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.assistant import Assistant
from app.consent import ConsentStatus
from app.engine_host import EngineHost
from app.outcome import Action, Outcome, RemoteAnswer
from app.router import Decision, DecisionKind, DenyReason
from app.tiers import TierKind
from inference.tasks.base import ClassifySpec, TaskRequest, TaskResult
from ui.assistant_page import AssistantPage
from ui.consent_gate import DialogConsentGate
from ui.explain import badge, why
from ui.main_window import MainWindow
from ui.tasks_panel import TaskPanel

pytestmark = pytest.mark.gui


def outcome(confidence: float, action: Action, deny: DenyReason | None = None, **changes: object) -> Outcome:
    request = TaskRequest("text", ClassifySpec(labels=("a", "b")))
    local = TaskResult("classify", "a", confidence, model="SmolLM2-135M-Instruct.Q4_1")
    kind = DecisionKind.DENY if deny else DecisionKind.ASK
    decision = Decision(kind, "words the explanation must not parse", 0.7, confidence, TierKind.DEVICE,
                        TierKind.CLOUD, deny, None, "the Anthropic API")
    base = Outcome(request, local, "a", action, "reason", decision)
    return replace(base, **changes)  # type: ignore[arg-type]


def hop(tier: TierKind, label: str, consent: ConsentStatus, confidence: float | None) -> RemoteAnswer:
    return RemoteAnswer(tier, label, "p", "host.example", "big-model", "b", confidence, "m", 300.0, 10, 1, 0.0001,
                        consent)


def test_why_and_badge_say_which_tier_answered_from_the_typed_kinds() -> None:
    assert why(outcome(0.82, Action.ACCEPT), 0.7) == (
        "Confidence 0.82 meets the 0.70 threshold for Classify, so the answer stayed on this device.")
    assert why(outcome(0.52, Action.ASK), 0.7) == (
        "Confidence 0.52 is below the 0.70 threshold for Classify. You can ask the cloud model; nothing is sent "
        "without your consent.")
    assert why(outcome(0.699, Action.ASK), 0.7).startswith("Confidence 0.699 is below the 0.700 threshold")
    for deny, words in [(DenyReason.POLICY_OFF, "turned off by your policy"), (DenyReason.NO_KEY, "no API key"),
                        (DenyReason.OVER_BUDGET, "budget"), (DenyReason.MODEL_NOT_ALLOWED, "not allowed")]:
        assert words in why(outcome(0.3, Action.DENY, deny), 0.7)
    assert badge(outcome(0.9, Action.ACCEPT)).text == "On this device"
    cloud = outcome(0.4, Action.ACCEPT, hops=(hop(TierKind.CLOUD, "Cloud", ConsentStatus.ALLOW_ONCE, None),))
    assert badge(cloud) == badge(cloud).__class__("Cloud · big-model · sent with your consent", "cloud")
    assert "its confidence is unknown" in why(cloud, 0.7)
    org = outcome(0.4, Action.ACCEPT, hops=(hop(TierKind.ORG, "On Acme's server", ConsentStatus.ADMIN_NO_CONSENT,
                                                0.91),))
    assert badge(org).kind == "org" and badge(org).text.startswith("On Acme's server · big-model · no consent needed")
    assert why(org, 0.7).endswith("big-model answered on Acme's server (confidence 0.91).")


def test_files_are_read_or_refused_with_a_clear_message(qtbot: QtBot, tmp_path: Path) -> None:
    panel = TaskPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.run_button.isEnabled()  # no text yet
    mail = tmp_path / "note.eml"
    mail.write_text("From: ada@example.com\nSubject: Invoice\n\nPlease pay invoice 7.\n", encoding="utf-8")
    panel.load_file(mail)
    assert "Please pay invoice 7." in panel.text() and panel.run_button.isEnabled()

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7 binary")
    panel.load_file(pdf)
    assert panel.input_error.isVisibleTo(panel)
    assert "report.pdf" in panel.input_error.text() and "not a readable PDF" in panel.input_error.text()
    assert "Please pay invoice 7." in panel.text()  # the text already there is kept


def test_run_waits_for_valid_labels_and_schema(qtbot: QtBot) -> None:
    panel = TaskPanel()
    qtbot.addWidget(panel)
    panel.set_text("Some text")
    panel.labels.set_labels(("only one",))
    assert not panel.run_button.isEnabled() and "at least two labels" in panel.labels.status.text()
    panel.labels.set_labels(("spam", "Spam"))
    assert "appears twice" in panel.problem()
    panel.labels.set_labels(("spam", "not spam"))
    assert panel.run_button.isEnabled()

    panel.set_task("extract")
    panel.schema.editor.setPlainText('{"type": "object", "properties": {"name": {"type": "string"}')
    qtbot.waitUntil(lambda: "Not valid JSON" in panel.schema.status.text(), timeout=2000)
    assert not panel.run_button.isEnabled()
    panel.schema.editor.setPlainText('{"type": "object", "properties": {"name": {"type": "string"}}}')
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=2000)
    request = panel.request()
    assert request.task == "extract" and request.spec.schema["properties"] == {"name": {"type": "string"}}  # type: ignore[union-attr]


@pytest.fixture
def no_model() -> Iterator[Assistant]:
    assistant = Assistant(host=EngineHost(model_path="/nonexistent/model.gguf"))
    yield assistant
    assistant.store.close()


def test_without_a_usable_model_the_first_run_page_explains_what_to_do(qtbot: QtBot, no_model: Assistant) -> None:
    window = MainWindow(no_model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.home.currentWidget() is window.first_run, timeout=10_000)
    assert "/nonexistent/model.gguf" in window.first_run.problem.text()
    assert window.status.engine.text() == "No usable model"


def test_ctrl_enter_runs_and_errors_say_what_to_do(qtbot: QtBot, no_model: Assistant) -> None:
    page = AssistantPage(no_model, DialogConsentGate())
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    handle = page.windowHandle()
    assert handle is not None
    handle.requestActivate()  # shortcuts only reach the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=2000)
    page.panel.set_text("Where is my parcel?")
    page.panel.input.setFocus()
    qtbot.keyClick(page.panel.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert page.busy and page.panel.text() == "Where is my parcel?"  # ran; no newline typed
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert page.result.stack.currentWidget() is page.result.error
    assert "/nonexistent/model.gguf" in page.result.error.title.text()
    assert page.result.error.body.text()  # the hint: what to do next
